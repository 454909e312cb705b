import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * What every `chains` command loads before its action runs: dist/chains.js and the chunks it imports statically
 * (the global setup has just built them). Command registration must stay cheap (docs/design/cli-startup.md):
 * action bodies, and the npm packages they use, load through import() only when their command runs.
 */
const DIST = join(import.meta.dirname, '../../dist');

function staticImports(file: string): string[] {
  const text = readFileSync(join(DIST, file), 'utf8');
  return [
    ...text.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s*"([^"]+)";$/gm),
    ...text.matchAll(/^import\s*"([^"]+)";$/gm),
  ].map((m) => m[1] ?? '');
}

/** Every module the start-up path loads, files of dist/ by name and packages by specifier. */
function startupClosure(): { files: string[]; packages: string[] } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string): void => {
    if (files.has(file)) return;
    files.add(file);
    for (const spec of staticImports(file)) {
      if (spec.startsWith('./')) visit(spec.slice(2));
      else if (!spec.startsWith('node:')) packages.add(spec);
    }
  };
  visit('chains.js');
  return { files: [...files], packages: [...packages].sort() };
}

describe('CLI start-up', () => {
  it('loads commander and nothing else from npm before a command runs', () => {
    expect(startupClosure().packages).toEqual(['commander']);
  });

  it('loads the command declarations only: no action body, client, server or schema', () => {
    const { files } = startupClosure();
    const sources = files.flatMap((f) =>
      [...readFileSync(join(DIST, f), 'utf8').matchAll(/^\/\/ (src\/\S+)$/gm)].map((m) => m[1] ?? ''),
    );
    expect(sources).toContain('src/cli/commands/oci.ts');
    // declarations, constants they offer as defaults or choices, and error classes their parsers throw
    const light =
      /^src\/(cli\/(commands\/|main|bin|home)|core\/|([a-z-]+\/)+errors\.ts$|provenance\/(format-ids|options)\.ts$|keys\/signing-algorithms\.ts$|tlog\/bodies\/ids\.ts$)/;
    const heavy = sources.filter((s) => !light.test(s));
    expect(heavy).toEqual([]);
    const bytes = files.reduce((n, f) => n + readFileSync(join(DIST, f)).length, 0);
    expect(bytes).toBeLessThan(64 * 1024);
  });
});
