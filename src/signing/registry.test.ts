import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REFUSED_SIGNERS, SIGNER_CHOICES, SIGNER_NAMES, SIGNERS, signerFactory } from './registry.ts';

const ROOT = join(import.meta.dirname, '..', '..');

function testFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? testFiles(p) : p.endsWith('.test.ts') ? [p] : [];
  });
}

/** Test files that run the signer contract suite, by the signer name they pass. */
function contractRuns(): Map<string, string[]> {
  const runs = new Map<string, string[]>();
  for (const f of [...testFiles(join(ROOT, 'src')), ...testFiles(join(ROOT, 'test'))]) {
    for (const m of readFileSync(f, 'utf8').matchAll(/signerContract\(\{\s*name:\s*'([^']+)'/g)) {
      const name = m[1] ?? '';
      runs.set(name, [...(runs.get(name) ?? []), relative(ROOT, f)]);
    }
  }
  return runs;
}

describe('signer registry (docs/extending.md)', () => {
  it('every registered signer runs the signer contract suite', () => {
    const runs = contractRuns();
    for (const name of SIGNER_NAMES)
      expect(runs.get(name), `no signerContract({ name: '${name}' })`).toBeDefined();
  });

  it('has one factory per name, named as registered', () => {
    expect(Object.keys(SIGNERS).sort()).toEqual([...SIGNER_NAMES].sort());
    for (const name of SIGNER_NAMES) expect(signerFactory(name).name).toBe(name);
  });

  it('accepts every name upstream Chains does; refuses the ones not provided with UNSUPPORTED_SIGNER', () => {
    expect([...SIGNER_CHOICES].sort()).toEqual(['kms', 'none', 'x509']);
    for (const name of Object.keys(REFUSED_SIGNERS)) {
      expect(SIGNER_NAMES as readonly string[]).not.toContain(name);
      expect(() => signerFactory(name)).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_SIGNER' }));
    }
  });

  it('an unknown name (or an Object.prototype key) is UNKNOWN_SIGNER', () => {
    for (const name of ['pgp', 'none', '__proto__', 'toString', 'constructor'])
      expect(() => signerFactory(name)).toThrow(expect.objectContaining({ code: 'UNKNOWN_SIGNER' }));
  });
});
