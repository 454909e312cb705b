import { buildDist } from '../scripts/build.ts';
import type { Suite, SuiteOptions, SuiteResult } from './lib/common.ts';

/**
 * `npm run reliability [-- NAME...] [--quick] [--scale X] [--seed N]`: runs the reliability and security
 * sub-suites (all by default, or those named) and prints their figures; exit 1 when any goal is missed.
 * Suites: crash, load, tamper, fuzz, controller, security, powerloss (docs/reliability.md).
 */
const SUITES: Record<string, () => Promise<{ default: Suite }>> = {
  crash: () => import('./crash.ts'),
  load: () => import('./load.ts'),
  tamper: () => import('./tamper.ts'),
  fuzz: () => import('./fuzz.ts'),
  security: () => import('./security.ts'),
  controller: () => import('./controller.ts'),
  powerloss: () => import('./powerloss.ts'),
};

function parseArgs(argv: string[]): { names: string[]; opts: SuiteOptions } {
  const opts: SuiteOptions = { quick: false, scale: 1, seed: 20261129 };
  const names: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--quick') opts.quick = true;
    else if (a === '--scale') opts.scale = Number(argv[++i]);
    else if (a === '--seed') opts.seed = Number(argv[++i]);
    else if (a in SUITES) names.push(a);
    else throw new Error(`unknown argument "${a}"; suites: ${Object.keys(SUITES).join(', ')}`);
  }
  if (!(opts.scale > 0) || !Number.isInteger(opts.seed))
    throw new Error('--scale must be > 0, --seed an integer');
  return { names: names.length ? names : Object.keys(SUITES), opts };
}

const { names, opts } = parseArgs(process.argv.slice(2));
// the suites run `bin/chains`: the bundle, built from the current sources
await buildDist();
const results: [string, SuiteResult, number][] = [];
for (const name of names) {
  process.stdout.write(`\n== ${name}${opts.quick ? ' (quick)' : ''} ==\n`);
  const t0 = Date.now();
  let r: SuiteResult;
  try {
    r = await (await SUITES[name]!()).default(opts);
  } catch (e) {
    r = { ok: false, figures: { error: (e as Error).stack ?? String(e) } };
  }
  const secs = (Date.now() - t0) / 1000;
  for (const [k, v] of Object.entries(r.figures)) process.stdout.write(`  ${k}: ${v}\n`);
  process.stdout.write(`  => ${r.ok ? 'PASS' : 'FAIL'} (${secs.toFixed(1)} s)\n`);
  results.push([name, r, secs]);
}
process.stdout.write('\n== summary ==\n');
for (const [name, r, secs] of results)
  process.stdout.write(`  ${r.ok ? 'PASS' : 'FAIL'}  ${name} (${secs.toFixed(1)} s)\n`);
if (results.some(([, r]) => !r.ok)) process.exitCode = 1;
// child processes and servers are closed by each suite; do not wait for stray keep-alive sockets
process.exit();
