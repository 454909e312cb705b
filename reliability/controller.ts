import { say } from './lib/common.ts';
import type { SuiteOptions, SuiteResult } from './lib/common.ts';
import { runScenario, scenarios, type Outcome } from './controller/scenarios.ts';
import { PASSWORD, setup, teardown } from './controller/world.ts';

/**
 * (e) Controller fault injection: the real Kubernetes controller (informers, queue, orchestrator, OCI storage,
 * log uploads) against the fake API server, with the embedded registry and the log behind fault proxies.
 * Invariants: nothing is marked signed=true that is not stored and logged (checked with cosign-style
 * verification), no run is lost (each ends signed=true, or signed=failed with a reason), recovery needs no
 * help, and retries never duplicate log entries.
 */
export default async function controller(o: SuiteOptions): Promise<SuiteResult> {
  const n = Math.max(1, Math.round((o.quick ? 2 : 6) * o.scale));
  const w = await setup();
  const outcomes: Outcome[] = [];
  let entries = 0;
  try {
    for (const s of scenarios(n)) {
      const before = w.log.log.checkpoint.size;
      const r = await runScenario(w, s);
      const added = w.log.log.checkpoint.size - before;
      // each signed run logs one dsse (attestation) + one hashedrekord (image signature); retries reuse them
      if (added > 2 * r.runs)
        r.problems.push(`${added} log entries for ${r.runs} runs: retries duplicated entries`);
      entries += added;
      outcomes.push(r);
      say(
        `  ${r.problems.length ? 'FAIL' : 'ok  '} ${r.name}: ${r.runs} runs, signed=true ${r.signed} (verified ${r.verified}), failed ${r.failed} (with reason ${r.failedWithReason}), signed during fault ${r.signedDuringFault}, lost ${r.unhandled}, ${added} log entries, settled ${r.recoverySecs.toFixed(1)} s after the fault`,
      );
      for (const p of r.problems) say(`      ! ${p}`);
    }
  } finally {
    await teardown(w);
  }
  const leaked = w.logLines.filter(
    (l) => l.includes(PASSWORD) || l.includes(w.pair.privateKeyPem.split('\n')[1] ?? '\u0000'),
  ).length;
  const sum = (k: 'runs' | 'signed' | 'verified' | 'signedDuringFault' | 'unhandled') =>
    outcomes.reduce((x, r) => x + r[k], 0);
  return {
    ok: outcomes.every((r) => r.problems.length === 0) && leaked === 0,
    figures: {
      scenarios: outcomes.length,
      'scenarios passed': outcomes.filter((r) => r.problems.length === 0).length,
      runs: sum('runs'),
      'signed=true (all verified)': `${sum('signed')} (${sum('verified')} verified)`,
      'marked signed while a hard fault lasted (goal 0)': sum('signedDuringFault'),
      'runs lost (goal 0)': sum('unhandled'),
      'log entries': entries,
      'controller log lines with secrets (goal 0)': leaked,
    },
  };
}
