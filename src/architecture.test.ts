import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = import.meta.dirname;

/** Allowed internal imports per module (developers' guide + the project notes). */
const ALLOWED: Record<string, string[]> = {
  core: [],
  keys: ['core'],
  signing: ['core', 'keys'],
  model: ['core'],
  provenance: ['core', 'model'],
  registry: ['core'],
  storage: ['core', 'model', 'registry', 'tlog/bodies'],
  'tlog/bodies': ['core'],
  'tlog/types': ['core', 'tlog/bodies'],
  'tlog/store': ['core', 'tlog/types'],
  'tlog/server': ['core', 'tlog/bodies', 'tlog/types', 'tlog/store', 'keys'],
  'tlog/client': ['core', 'tlog/bodies', 'tlog/types'],
  'ctlog/sct': ['core'],
  'ctlog/server': ['core', 'ctlog/sct'],
  trustroot: ['core'],
  demo: ['core', 'registry'],
  stack: ['core', 'registry', 'tlog/server', 'ctlog/server', 'oidc', 'ca', 'trustroot'],
  verify: ['core', 'keys', 'tlog/bodies', 'tlog/types', 'tlog/client', 'registry', 'storage'],
  oidc: ['core'],
  keyless: ['core', 'keys', 'signing', 'ctlog/sct', 'tlog/bodies', 'tlog/types', 'tlog/client', 'verify'],
  ca: ['core', 'keys', 'oidc', 'ctlog/sct'],
  config: ['core', 'model', 'provenance', 'storage', 'signing', 'tlog/types', 'registry'],
  controller: [
    'core',
    'model',
    'provenance',
    'signing',
    'storage',
    'tlog/bodies',
    'tlog/types',
    'tlog/client',
    'registry',
    'keys',
    'config',
  ],
  console: [
    'core',
    'model',
    'provenance',
    'registry',
    'storage',
    'keys',
    'tlog/bodies',
    'tlog/types',
    'tlog/client',
    'verify',
    'keyless',
  ],
  cli: ['*'],
};

function moduleOf(file: string, root = SRC): string {
  const rel = relative(root, file).split('/');
  if (rel[0] === 'tlog' || rel[0] === 'ctlog') return `${rel[0]}/${rel[1] ?? ''}`;
  return rel[0] ?? '';
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : [];
  });
}

const IMPORT_RE = /(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;

/** Every relative import that crosses a module boundary against the allowed direction. */
function violations(files: string[], root = SRC): string[] {
  const out: string[] = [];
  for (const file of files) {
    const from = moduleOf(file, root);
    const allowed = ALLOWED[from];
    if (!allowed) {
      out.push(`${relative(root, file)}: module "${from}" has no declared dependencies`);
      continue;
    }
    for (const m of readFileSync(file, 'utf8').matchAll(IMPORT_RE)) {
      const spec = m[1] ?? m[2] ?? '';
      const target = resolve(dirname(file), spec);
      if (!target.startsWith(root)) continue;
      const to = moduleOf(target, root);
      if (to === from || allowed.includes('*') || allowed.includes(to)) continue;
      out.push(
        `${relative(root, file)} imports ${to} (${spec}), allowed: ${allowed.join(', ') || 'nothing'}`,
      );
    }
  }
  return out;
}

describe('architecture', () => {
  it('keeps the dependency direction one way', () => {
    expect(violations(walk(SRC))).toEqual([]);
  });

  it('flags a forbidden import (the checker can fail)', () => {
    const root = mkdtempSync(join(tmpdir(), 'arch-'));
    mkdirSync(join(root, 'verify'));
    mkdirSync(join(root, 'core'));
    writeFileSync(join(root, 'verify', 'bad.ts'), "import { sign } from '../signing/index.ts';\n");
    writeFileSync(join(root, 'core', 'bad.ts'), "export type { X } from '../keys/x.ts';\n");
    const found = violations(walk(root), root);
    expect(found).toHaveLength(2);
    expect(found.join('\n')).toMatch(/verify\/bad.ts imports signing/);
    expect(found.join('\n')).toMatch(/core\/bad.ts imports keys/);
  });

  it('nothing imports cli or controller except cli', () => {
    for (const [mod, deps] of Object.entries(ALLOWED)) {
      if (mod === 'cli') continue;
      expect(deps).not.toContain('cli');
      if (mod !== 'controller') expect(deps).not.toContain('controller');
    }
  });

  it('the entry kinds do not reach the store (its index format belongs to the log, not to a kind)', () => {
    const kinds = walk(join(SRC, 'tlog/server/kinds'));
    expect(kinds.length).toBeGreaterThan(0);
    for (const file of kinds)
      for (const m of readFileSync(file, 'utf8').matchAll(IMPORT_RE)) {
        const target = resolve(dirname(file), m[1] ?? m[2] ?? '');
        expect(moduleOf(target), `${relative(SRC, file)} imports ${m[1] ?? m[2]}`).not.toBe('tlog/store');
      }
  });
});
