import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { pushDemoImage } from '../src/cli/controller/demo-image.ts';
import { startKube, type StartedKube } from '../src/cli/controller/kube-mode.ts';
import * as A from '../src/controller/annotations.ts';
import { finishedKanikoTaskRun } from '../src/controller/kaniko-run.ts';
import { jsonLogger } from '../src/controller/log.ts';
import type { RunDoc } from '../src/controller/ports.ts';
import { generateKeyPair, type KeyPair } from '../src/keys/index.ts';
import { RegistryClient } from '../src/registry/registry.ts';
import { startRegistryServer, type RunningRegistry } from '../src/registry/server/server.ts';
import { RekorClient } from '../src/tlog/client/index.ts';
import { startLogServer, type RunningLogServer } from '../src/tlog/server/index.ts';
import { verifyImageAttestations } from '../src/verify/attestation.ts';
import { verifyImageSignatures } from '../src/verify/image.ts';
import { tlogCheckBundle } from '../src/verify/tlog.ts';
import {
  kubeConfigFor,
  startFakeKubeApiServer,
  type FakeKubeApiServer,
} from '../test/fakes/kube-apiserver.ts';
import { say, sleep, tempDir } from './lib/common.ts';
import type { SuiteOptions, SuiteResult } from './lib/common.ts';
import { FaultProxy, type Fault } from './lib/fault-proxy.ts';

/**
 * (e) Controller fault injection: the real Kubernetes controller (informers, queue, orchestrator, OCI storage,
 * log uploads) against the fake API server, with the embedded registry and the log behind fault proxies.
 * Invariants: nothing is marked signed=true that is not stored and logged (checked with cosign-style
 * verification), no run is lost (each ends signed=true, or signed=failed with a reason), recovery needs no
 * help, and retries never duplicate log entries.
 */

const SYS = 'tekton-chains';
const PASSWORD = 'controller-fault-pass';

interface World {
  kube: FakeKubeApiServer;
  log: RunningLogServer;
  reg: RunningRegistry;
  logProxy: FaultProxy;
  regProxy: FaultProxy;
  pair: KeyPair;
  ctl: StartedKube;
  direct: RegistryClient;
  logLines: string[];
  runs: number;
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');

async function setup(): Promise<World> {
  const work = tempDir('controller');
  const kube = await startFakeKubeApiServer({ bookmarkIntervalMs: 200 });
  const log = await startLogServer({ dbPath: join(work, 'log.db'), addr: '127.0.0.1:0' });
  const reg = await startRegistryServer({ addr: '127.0.0.1:0' });
  const logProxy = await new FaultProxy(log.url).start();
  const regProxy = await new FaultProxy(reg.url).start();
  const pair = await generateKeyPair(PASSWORD);
  kube.store.create('configmaps', SYS, {
    metadata: { name: 'chains-config' },
    data: {
      'artifacts.taskrun.storage': 'oci',
      'artifacts.oci.storage': 'oci',
      'transparency.enabled': 'true',
      'transparency.url': `http://${logProxy.host}`,
    },
  });
  kube.store.create('secrets', SYS, {
    metadata: { name: 'signing-secrets' },
    data: { 'cosign.key': b64(pair.privateKeyPem), 'cosign.password': b64(PASSWORD) },
  });
  const logLines: string[] = [];
  const ctl = await startKube(
    kubeConfigFor(kube),
    {
      systemNamespace: SYS,
      threads: 2,
      lease: { durationSec: 2, renewMs: 300, retryMs: 200 },
      queue: { baseDelayMs: 500, maxDelayMs: 4000 },
    },
    jsonLogger((l) => void logLines.push(l), 'debug'),
  );
  return { kube, log, reg, logProxy, regProxy, pair, ctl, direct: new RegistryClient(), logLines, runs: 0 };
}

async function teardown(w: World): Promise<void> {
  await w.ctl.controller.stop();
  await w.kube.close();
  await w.logProxy.close();
  await w.regProxy.close();
  await w.reg.close();
  await w.log.close();
}

const annotations = (w: World, name: string): Record<string, string> =>
  ((w.kube.store.get('taskruns', 'default', name) as RunDoc | undefined)?.metadata.annotations ??
    {}) as Record<string, string>;

/** Push an image straight to the registry; the run names it through the proxy, as the controller sees it. */
async function newRun(w: World, tag: string): Promise<{ name: string; image: string; digest: string }> {
  const name = `${tag}-${++w.runs}`;
  const repo = `fault/${name}`;
  const digest = await pushDemoImage(
    w.direct,
    `${w.reg.host}/${repo}`,
    'latest',
    `${name} ${randomUUID()}\n`,
  );
  return { name, image: `${w.regProxy.host}/${repo}`, digest };
}

/** cosign-style checks of what a signed=true run claims: signature + attestation in OCI, with valid log bundles. */
async function verifyRun(w: World, r: { name: string; digest: string }): Promise<string | null> {
  const ref = `${w.reg.host}/fault/${r.name}@${r.digest}`;
  const o = {
    client: w.direct,
    publicKey: w.pair.material.publicKey,
    checkBundle: tlogCheckBundle({
      logPublicKey: w.log.publicKeyPem,
      // image signatures carry no bundle annotation in Chains' flow: look them up online, as cosign --rekor-url
      client: new RekorClient(w.log.url, { logPublicKey: w.log.publicKeyPem }),
    }),
  };
  try {
    await verifyImageSignatures(ref, o);
    await verifyImageAttestations(ref, o);
    const url = annotations(w, r.name)[A.TRANSPARENCY] ?? '';
    const index = Number(/logIndex=(\d+)$/.exec(url)?.[1] ?? NaN);
    await new RekorClient(w.log.url, { logPublicKey: w.log.publicKeyPem }).getEntryByIndex(index);
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

interface Scenario {
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

interface Outcome {
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

async function runScenario(w: World, s: Scenario): Promise<Outcome> {
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

function scenarios(n: number): Scenario[] {
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
