import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');

/**
 * The import graph esbuild sees from `entry` (type-only imports are erased, as at run time), as
 * file → imported files; `dynamic` adds `await import()` edges.
 */
async function importGraph(entry: string, dynamic: boolean): Promise<Map<string, string[]>> {
  const r = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'silent',
    absWorkingDir: ROOT,
  });
  const g = new Map<string, string[]>();
  for (const [file, input] of Object.entries(r.metafile.inputs))
    g.set(
      file,
      input.imports
        .filter(
          (i) => !i.external && (i.kind === 'import-statement' || (dynamic && i.kind === 'dynamic-import')),
        )
        .map((i) => i.path),
    );
  return g;
}

/** A cycle written from its smallest file name, so the same cycle always reads the same. */
function rotated(loop: string[]): string {
  const i = loop.indexOf([...loop].sort()[0] as string);
  const from = [...loop.slice(i), ...loop.slice(0, i)];
  return [...from, from[0]].join(' -> ');
}

/** Every cycle found by a depth-first walk, each as `a -> b -> a`, restricted to files under `prefix`. */
function cycles(g: Map<string, string[]>, prefix: string): string[] {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const out: string[] = [];
  const visit = (n: string): void => {
    state.set(n, 'open');
    stack.push(n);
    for (const d of (g.get(n) ?? []).filter((f) => f.startsWith(prefix))) {
      if (state.get(d) === 'open') out.push(rotated(stack.slice(stack.indexOf(d))));
      else if (!state.has(d)) visit(d);
    }
    stack.pop();
    state.set(n, 'done');
  };
  for (const n of g.keys()) if (n.startsWith(prefix) && !state.has(n)) visit(n);
  return out;
}

describe('import cycles', () => {
  it('no static import cycle anywhere in the CLI bundle', async () => {
    expect(cycles(await importGraph('src/cli/bin.ts', false), 'src/')).toEqual([]);
  });

  it('src/cli has no cycle through dynamic imports either', async () => {
    expect(cycles(await importGraph('src/cli/bin.ts', true), 'src/cli/')).toEqual([]);
  });

  it('finds a cycle (the checker can fail)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cycles-'));
    writeFileSync(join(dir, 'a.ts'), "import { b } from './b.ts';\nexport const a = (): number => b + 1;\n");
    writeFileSync(
      join(dir, 'b.ts'),
      "import { a } from './a.ts';\nexport const b = 1;\nexport const c = a;\n",
    );
    const rel = relative(ROOT, dir);
    expect(cycles(await importGraph(join(dir, 'a.ts'), false), rel)).toEqual([
      `${rel}/a.ts -> ${rel}/b.ts -> ${rel}/a.ts`,
    ]);
  });
});
