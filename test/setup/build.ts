import { buildDist } from '../../scripts/build.ts';

/**
 * Tests that spawn `bin/chains` run the product as shipped: the bundle in dist/, rebuilt from the current
 * sources once per run (esbuild, well under a second).
 */
export default async function setup(): Promise<void> {
  await buildDist();
}
