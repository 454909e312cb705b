import { join } from 'node:path';
import type fc from 'fast-check';
import { startRegistryServer } from '../../src/registry/server/server.ts';
import { startLogServer } from '../../src/tlog/server/index.ts';
import { tempDir } from '../lib/common.ts';
import { buildSeeds } from './seeds.ts';
import { cryptoTargets } from './targets-crypto.ts';
import { documentTargets } from './targets-docs.ts';
import { fastPostTargets } from './targets-fast-post.ts';
import { httpTargets } from './targets-http.ts';
import { http1Targets } from './targets-http1.ts';
import { keylessTargets } from './targets-keyless.ts';
import { ctlogTargets } from './targets-ctlog.ts';

/** One parser that takes outside input, its generator, and how many inputs the full run gives it. */
export interface Target {
  name: string;
  /** inputs in the full run */
  full: number;
  arb: fc.Arbitrary<string>;
  run(input: string): unknown;
  /** per-input time budget (ms): slower inputs count as hangs */
  budgetMs: number;
  /** not part of the in-process (vitest) set: needs servers or is scrypt-bound */
  heavy?: boolean;
}

export interface TargetSet {
  targets: Target[];
  close(): Promise<void>;
}

/** Every fuzz target, with seeds made by the real code (keys, envelopes, entries from a live log). */
export async function buildTargets(): Promise<TargetSet> {
  const work = tempDir('fuzz');
  const log = await startLogServer({
    dbPath: join(work, 'log.db'),
    addr: '127.0.0.1:0',
    maxBodyBytes: 64 * 1024,
  });
  const reg = await startRegistryServer({ addr: '127.0.0.1:0' });
  const seeds = await buildSeeds(log.url, log.publicKeyPem);
  const keyless = await keylessTargets();
  const ctlog = await ctlogTargets();
  return {
    targets: [
      ...cryptoTargets(seeds),
      ...documentTargets(seeds),
      ...httpTargets(seeds, log.url, reg.url),
      ...fastPostTargets(seeds, log.url),
      ...http1Targets(),
      ...keyless.targets,
      ...ctlog.targets,
    ],
    close: async () => (await ctlog.close(), await keyless.close(), await reg.close(), await log.close()),
  };
}
