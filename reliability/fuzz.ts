import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, say } from './lib/common.ts';
import type { SuiteOptions, SuiteResult } from './lib/common.ts';
import type { FuzzCounts } from './fuzz/engine.ts';
import { buildTargets } from './fuzz/targets.ts';

const WATCHDOG_MS = 60_000;

/** Run one target in a child process; a child silent for WATCHDOG_MS is killed and reported as a hang. */
function runChild(name: string, count: number, seed: number): Promise<FuzzCounts | { hang: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'reliability/fuzz/child.ts'), name, String(count), String(seed)],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    let last = 0;
    let timer = setTimeout(() => child.kill('SIGKILL'), WATCHDOG_MS);
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /progress (\d+)\n$/.exec(err);
      if (m) last = Number(m[1]);
      clearTimeout(timer);
      timer = setTimeout(() => child.kill('SIGKILL'), WATCHDOG_MS);
    });
    child.on('exit', (code, sig) => {
      clearTimeout(timer);
      const m = /RESULT (.*)\n/.exec(out);
      if (m?.[1]) return resolve(JSON.parse(m[1]) as FuzzCounts);
      resolve({
        hang: `${sig === 'SIGKILL' ? 'no progress for 60 s (hang)' : `exit ${code}`} after ${last} inputs: ${err
          .split('\n')
          .filter((l) => !l.startsWith('progress'))
          .join(' ')
          .slice(0, 400)}`,
      });
    });
  });
}

/** (d) Fuzzing: every parser of outside input, ≥ 1,000,000 inputs in the full run. */
export default async function fuzz(o: SuiteOptions): Promise<SuiteResult> {
  const set = await buildTargets();
  const targets = set.targets.map((t) => ({ name: t.name, full: t.full }));
  await set.close();
  let total = 0;
  let bad = 0;
  for (const [i, t] of targets.entries()) {
    const count = Math.max(20, Math.round((o.quick ? t.full / 100 : t.full) * o.scale));
    const r = await runChild(t.name, count, o.seed + i * 1_000_003);
    if ('hang' in r) {
      bad++;
      say(`  ${t.name}: FAILED ${r.hang}`);
      continue;
    }
    total += r.inputs;
    const secs = r.ms / 1000;
    if (r.uncaught || r.slow) bad++;
    say(
      `  ${t.name.padEnd(56)} ${String(r.inputs).padStart(7)} inputs  accepted ${r.accepted}  coded rejections ${r.rejected}  uncaught ${r.uncaught}  slow ${r.slow}  max ${r.maxMs.toFixed(0)} ms  (${(r.inputs / secs).toFixed(0)}/s)`,
    );
    for (const ex of r.examples) say(`      ${ex}`);
  }
  return {
    ok: bad === 0 && (o.quick || o.scale < 1 || total >= 1_000_000),
    figures: {
      targets: targets.length,
      'inputs in total': total,
      'targets with uncaught errors, hangs or slow inputs': bad,
    },
  };
}
