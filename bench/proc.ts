import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

/** The bundle bin/chains runs (bench/index.ts builds it first), for servers spawned with extra node flags. */
export const CHAINS_JS = join(import.meta.dirname, '../dist/chains.js');

/** The node flags bin/chains adds (single-threaded GC on ≤ 2 cores), for servers spawned without it. */
export const CHAINS_NODE_FLAGS = availableParallelism() <= 2 ? ['--single-threaded-gc'] : [];

/** CPU time (user + system, all threads) a process has used so far, in ms (Linux /proc/<pid>/stat, 10 ms ticks). */
export function cpuMs(pid: number | undefined): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return NaN;
  }
}

/** A loopback port nobody listens on right now (for `chains … serve --addr` in a child process). */
export async function freePort(): Promise<number> {
  return new Promise((ok) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => ok(port));
    });
  });
}
