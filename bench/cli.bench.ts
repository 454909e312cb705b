import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * Start-up of the built CLI against a bare `node -e 0` (docs/design/cli-startup.md). Each pair runs the
 * yardstick and the command back to back, alternating which goes first, so load from other processes on the
 * shared machine hits both alike; the figure is the median of the per-pair ratios. CLI_BENCH_PAIRS (default 20).
 */
const ROOT = join(import.meta.dirname, '..');
// CLI_BENCH_BIN: another launcher to compare (e.g. bin/chains-dev, or bin/chains of an older checkout)
const BIN = process.env.CLI_BENCH_BIN ?? join(ROOT, 'bin/chains');
const PAIRS = Number(process.env.CLI_BENCH_PAIRS ?? 20);

function wallMs(cmd: string, args: string[]): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr.toString()}`);
  return ms;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? NaN) : ((s[m - 1] ?? NaN) + (s[m] ?? NaN)) / 2;
};

function pairs(args: string[]): { cli: number; node: number; ratio: number } {
  const cli: number[] = [];
  const node: number[] = [];
  const ratios: number[] = [];
  wallMs(BIN, args); // warm the page cache for both
  wallMs(process.execPath, ['-e', '0']);
  for (let i = 0; i < PAIRS; i++) {
    const first = i % 2 === 0;
    const a = first ? wallMs(BIN, args) : NaN;
    const n = wallMs(process.execPath, ['-e', '0']);
    const c = first ? a : wallMs(BIN, args);
    cli.push(c);
    node.push(n);
    ratios.push(c / n);
  }
  return { cli: median(cli), node: median(node), ratio: median(ratios) };
}

/** bench/index.ts has just built dist/ from the current sources. */
export default async function run(): Promise<void> {
  console.log(`${BIN} against node -e 0, median of ${PAIRS} alternating pairs (goal ≤ 2.5×)`);
  for (const args of [['--help'], ['version'], ['tlog', 'serve', '--help']]) {
    let r: ReturnType<typeof pairs>;
    try {
      r = pairs(args);
    } catch (e) {
      console.log(
        `  chains ${args.join(' ').padEnd(17)} not measured: ${(e as Error).message.split('\n')[0]}`,
      );
      continue;
    }
    console.log(
      `  chains ${args.join(' ').padEnd(17)} ${r.cli.toFixed(1).padStart(6)} ms   node -e 0 ${r.node
        .toFixed(1)
        .padStart(5)} ms   ratio ${r.ratio.toFixed(2)}×`,
    );
  }
}
