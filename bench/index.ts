import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildDist } from '../scripts/build.ts';

/**
 * Runs every bench/*.bench.ts (each default-exports an async function that prints its figures).
 * `npm run bench -- keys tlog` runs only the files whose names contain one of the words.
 */
const filters = process.argv.slice(2);
const dir = import.meta.dirname;
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((w) => f.includes(w)))
  .sort();

// the benches that start `chains` run the product: the bundle, built from the current sources
await buildDist();
for (const f of files) {
  console.log(`\n== ${f.replace('.bench.ts', '')} ==`);
  const mod = (await import(join(dir, f))) as { default: () => Promise<void> };
  await mod.default();
}
