import { randomUUID } from 'node:crypto';
import * as A from '../../src/controller/annotations.ts';
import { finishedKanikoTaskRun } from '../../src/demo/kaniko-run.ts';
import { sleep } from '../lib/common.ts';
import type { Fault } from '../lib/fault-proxy.ts';
import { annotations, newRun, verifyRun, type World } from './world.ts';

export interface Scenario {
  name: string;
  runs: number;
  /** start the fault (the runs are created right after) */
  apply(w: World): void;
  /** how long the fault lasts (ms) before clear() */
  faultMs: number;
  clear(w: World): void;
  /** a hard fault: no run may become signed=true while it lasts */
  hard: boolean;
  /** final state every run must reach */
  expect: 'true' | 'failed';
}

export interface Outcome {
  name: string;
  runs: number;
  signedDuringFault: number;
  signed: number;
  failed: number;
  failedWithReason: number;
  verified: number;
  unhandled: number;
  recoverySecs: number;
  problems: string[];
}

export async function runScenario(w: World, s: Scenario): Promise<Outcome> {
  const runs: { name: string; image: string; digest: string }[] = [];
  for (let i = 0; i < s.runs; i++) runs.push(await newRun(w, s.name.split(' ')[0]!.toLowerCase()));
  const hits = (): number =>
    [...w.logProxy.seen.entries(), ...w.regProxy.seen.entries()]
      .filter(([k]) => k !== 'pass')
      .reduce((x, [, v]) => x + v, 0);
  const hits0 = hits();
  s.apply(w);
  for (const r of runs)
    w.kube.store.create(
      'taskruns',
      'default',
      finishedKanikoTaskRun({
        name: r.name,
        uid: randomUUID(),
        image: r.image,
        digest: r.digest,
      }) as unknown as Record<string, unknown>,
    );
  let signedDuringFault = 0;
  const faultEnd = Date.now() + s.faultMs;
  while (Date.now() < faultEnd) {
    signedDuringFault = Math.max(
      signedDuringFault,
      runs.filter((r) => annotations(w, r.name)[A.SIGNED] === 'true').length,
    );
    await sleep(100);
  }
  const faultHits = hits() - hits0;
  s.clear(w);
  const t0 = Date.now();
  const done = (): boolean =>
    runs.every((r) => ['true', 'failed'].includes(annotations(w, r.name)[A.SIGNED] ?? ''));
  while (!done() && Date.now() - t0 < 90_000) await sleep(100);
  const o: Outcome = {
    name: s.name,
    runs: runs.length,
    signedDuringFault: s.hard ? signedDuringFault : 0,
    signed: 0,
    failed: 0,
    failedWithReason: 0,
    verified: 0,
    unhandled: 0,
    recoverySecs: (Date.now() - t0) / 1000,
    problems: [],
  };
  for (const r of runs) {
    const a = annotations(w, r.name);
    if (a[A.SIGNED] === 'true') {
      o.signed++;
      const why = await verifyRun(w, r);
      if (why === null) o.verified++;
      else o.problems.push(`${r.name} marked signed but does not verify: ${why}`);
    } else if (a[A.SIGNED] === 'failed') {
      o.failed++;
      if (a[A.FAILURE_REASON]) o.failedWithReason++;
    } else o.unhandled++;
  }
  if (s.hard && faultHits === 0) o.problems.push('the fault was never hit: the scenario tested nothing');
  if (o.signedDuringFault > 0)
    o.problems.push(`${o.signedDuringFault} run(s) marked signed=true while the fault lasted`);
  if (s.expect === 'true' && o.signed !== o.runs)
    o.problems.push(`only ${o.signed}/${o.runs} recovered to signed=true`);
  if (s.expect === 'failed' && o.failedWithReason !== o.runs)
    o.problems.push(`only ${o.failedWithReason}/${o.runs} ended signed=failed with a reason`);
  if (o.unhandled) o.problems.push(`${o.unhandled} run(s) never handled (lost)`);
  return o;
}

const proxyFault = (
  which: 'logProxy' | 'regProxy',
  f: Fault,
  ms: number,
  hard = true,
  expect: 'true' | 'failed' = 'true',
) => ({
  apply: (w: World) => w[which].set(f),
  clear: (w: World) => w[which].set({ kind: 'pass' }),
  faultMs: ms,
  hard,
  expect,
});

export function scenarios(n: number): Scenario[] {
  const noop = (): void => undefined;
  let dropper: NodeJS.Timeout | undefined;
  return [
    { name: 'baseline (no fault)', runs: n, ...proxyFault('logProxy', { kind: 'pass' }, 0, false) },
    {
      name: 'registry unavailable (connection reset), 2 s',
      runs: n,
      ...proxyFault('regProxy', { kind: 'down' }, 2000),
    },
    {
      name: 'registry answering garbage, 2 s',
      runs: n,
      ...proxyFault('regProxy', { kind: 'garbage' }, 2000),
    },
    { name: 'registry 503 HTML, 2 s', runs: n, ...proxyFault('regProxy', { kind: 'error' }, 2000) },
    {
      name: 'registry slow (+1.5 s per request)',
      runs: n,
      ...proxyFault('regProxy', { kind: 'slow', ms: 1500 }, 3000, false),
    },
    {
      name: 'log unavailable (connection reset), 2 s',
      runs: n,
      ...proxyFault('logProxy', { kind: 'down' }, 2000),
    },
    { name: 'log answering garbage, 2 s', runs: n, ...proxyFault('logProxy', { kind: 'garbage' }, 2000) },
    {
      name: 'log accepts entries but the answers are lost, 2 s',
      runs: n,
      ...proxyFault('logProxy', { kind: 'lose-answer' }, 2000),
    },
    {
      name: 'registry stores pushes but the answers are lost, 2 s',
      runs: n,
      ...proxyFault('regProxy', { kind: 'lose-answer' }, 2000),
    },
    {
      name: 'log slow (+1.5 s per request)',
      runs: n,
      ...proxyFault('logProxy', { kind: 'slow', ms: 1500 }, 3000, false),
    },
    {
      name: 'log down for longer than the retry budget (10 s)',
      runs: Math.min(n, 3),
      ...proxyFault('logProxy', { kind: 'down' }, 10_000, true, 'failed'),
    },
    {
      name: 'Kubernetes PATCH 409 conflicts (3 per run)',
      runs: n,
      apply: (w) =>
        w.kube.inject({ method: 'PATCH', path: '/taskruns/', status: 409, reason: 'Conflict', times: 3 * n }),
      clear: noop,
      faultMs: 0,
      hard: false,
      expect: 'true',
    },
    {
      name: 'Kubernetes API 500 on PATCH (2 per run)',
      runs: n,
      apply: (w) =>
        w.kube.inject({
          method: 'PATCH',
          path: '/taskruns/',
          status: 500,
          reason: 'InternalError',
          times: 2 * n,
        }),
      clear: noop,
      faultMs: 0,
      hard: false,
      expect: 'true',
    },
    {
      name: 'Kubernetes watch drops every 300 ms + 410 Gone',
      runs: n,
      apply: (w) => {
        dropper = setInterval(() => {
          w.kube.dropWatches();
          w.kube.store.compact();
        }, 300);
      },
      clear: () => clearInterval(dropper),
      faultMs: 3000,
      hard: false,
      expect: 'true',
    },
    {
      name: 'Kubernetes API slow (+400 ms per request)',
      runs: n,
      apply: (w) => w.kube.setDelay(400),
      clear: (w) => w.kube.setDelay(0),
      faultMs: 3000,
      hard: false,
      expect: 'true',
    },
  ];
}
