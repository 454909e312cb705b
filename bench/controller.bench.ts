import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuMs, freePort } from './proc.ts';
import { pushDemoImage } from '../src/demo/image.ts';
import { buildOrchestrator } from '../src/cli/controller/wiring.ts';
import { ConfigStore } from '../src/config/store.ts';
import { parseConfig } from '../src/config/parse.ts';
import { SIGNED } from '../src/controller/annotations.ts';
import { finishedKanikoTaskRun } from '../src/demo/kaniko-run.ts';
import { ControllerLoop } from '../src/controller/loop.ts';
import type { RunAccess, RunDoc } from '../src/controller/ports.ts';
import { Reconciler, keyOf, type RunCache, type RunKind } from '../src/controller/reconciler.ts';
import { staticSigner } from '../src/controller/signer-source.ts';
import { generateKeyPair } from '../src/keys/index.ts';
import { RegistryClient } from '../src/registry/client.ts';
import type { RunRef } from '../src/storage/backend.ts';
import { KeySigner } from '../src/signing/index.ts';

/** Runs in memory: the cache, the API and the tekton annotation writer (a cluster stand-in with no I/O). */
export class Runs implements RunCache, RunAccess {
  readonly docs = new Map<string, RunDoc>();
  /** run name → when its `signed=true` was written (performance.now), for the runs being timed */
  readonly markedAt = new Map<string, number>();
  signed = 0;
  add(d: RunDoc): void {
    this.docs.set(keyOf('TaskRun', d.metadata.namespace ?? 'default', d.metadata.name), d);
  }
  get(kind: RunKind, ns: string, name: string): RunDoc | undefined {
    return this.docs.get(keyOf(kind, ns, name));
  }
  async latest(r: RunRef): Promise<RunDoc | undefined> {
    return this.get(r.kind, r.namespace, r.name);
  }
  async writeAnnotations(r: RunRef, a: Record<string, string | null>): Promise<void> {
    const d = this.get(r.kind, r.namespace, r.name);
    if (!d) return;
    const next = { ...(d.metadata.annotations ?? {}) };
    for (const [k, v] of Object.entries(a))
      if (v === null) delete next[k];
      else next[k] = v;
    d.metadata.annotations = next;
    if (a[SIGNED] === 'true') {
      this.signed++;
      if (r.name.startsWith('fresh-')) this.markedAt.set(r.name, performance.now());
    }
  }
}

const STEP_RUNS = Number(process.env.STEP_RUNS ?? 500);
/** CONTROLLER_STEPS='sign + log,end to end': run only the steps whose label contains one of these (profiling) */
const STEPS = process.env.CONTROLLER_STEPS?.split(',').map((s) => s.trim());
const BACKLOG_S = Number(process.env.BACKLOG_SECONDS ?? 90);
const mib = (b: number) => (b / 1024 / 1024).toFixed(0);

/** Until every run is signed or the time budget is spent. */
export async function drain(
  loop: ControllerLoop,
  runs: Runs,
  total: number,
  budgetMs: number,
  onTick: () => void,
): Promise<void> {
  const end = performance.now() + budgetMs;
  while (runs.signed < total && performance.now() < end) {
    onTick();
    await new Promise((r) => setTimeout(r, 50));
    if (loop.queue.length === 0 && loop.queue.pendingRetries === 0 && runs.signed < total) {
      await loop.queue.idle();
      if (loop.queue.pendingRetries === 0) break; // nothing left to do: some runs failed
    }
  }
}

/** Start `chains <args> --addr 127.0.0.1:<free port>` and wait until `probe` answers. */
async function serve(
  name: string,
  args: string[],
  probe: string,
): Promise<{ url: string; host: string; pid: number | undefined; close(): void }> {
  const host = `127.0.0.1:${await freePort()}`;
  const child = spawn(new URL('../bin/chains', import.meta.url).pathname, [...args, '--addr', host], {
    stdio: 'ignore',
  });
  const url = `http://${host}`;
  for (let i = 0; i < 200; i++) {
    if (
      await fetch(`${url}${probe}`).then(
        () => true,
        () => false,
      )
    )
      return { url, host, pid: child.pid, close: () => void child.kill('SIGTERM') };
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill();
  throw new Error(`${name} did not start`);
}

/** The backlog in a fresh process with the heap cap of the Deployment/Dockerfile (NODE_OPTIONS). */
async function backlogInChild(): Promise<void> {
  const loader = new URL('../bin/ts-loader.mjs', import.meta.url).pathname;
  const child = spawn(
    process.execPath,
    ['--max-old-space-size=192', '--import', loader, new URL(import.meta.url).pathname],
    {
      stdio: 'inherit',
      env: { ...process.env, CHAINS_BENCH_BACKLOG: '1' },
    },
  );
  await new Promise((ok) => child.on('exit', ok));
}

/**
 * A freshly completed run every `everyMs` while the backlog drains, enqueued as a watch event would be: the time
 * from its event to its `signed=true` is what a user waits (Chains #979), whatever the backlog.
 */
function injectFresh(loop: ControllerLoop, runs: Runs, image: string, everyMs: number) {
  const injected = new Map<string, { at: number; depth: number }>();
  let next = performance.now() + everyMs;
  return {
    injected,
    tick(): void {
      if (performance.now() < next || loop.queue.length < 100) return;
      next += everyMs;
      const name = `fresh-${injected.size}`;
      const d = finishedKanikoTaskRun({
        name,
        uid: randomUUID(),
        image,
        digest: `sha256:${createHash('sha256').update(name).digest('hex')}`,
      });
      runs.add(d);
      injected.set(name, { at: performance.now(), depth: loop.queue.length });
      loop.enqueue(d, 'fresh');
    },
    report(drainRate: number): string {
      const lat = [...injected]
        .map(([name, i]) => (runs.markedAt.get(name) ?? Number.NaN) - i.at)
        .sort((a, b) => a - b);
      const depths = [...injected.values()].map((i) => i.depth);
      const ms = (v: number | undefined) =>
        v === undefined || Number.isNaN(v) ? 'unsigned' : `${v.toFixed(0)} ms`;
      return (
        `fresh runs during the backlog: ${injected.size} injected at queue depths ${Math.min(...depths)}–` +
        `${Math.max(...depths)}, signed after p50 ${ms(lat[Math.floor(lat.length / 2)])}, max ${ms(lat.at(-1))} ` +
        `(the backlog drained at ${drainRate.toFixed(0)} runs/s: behind it, the last would wait ` +
        `${(Math.max(...depths) / Math.max(drainRate, 1)).toFixed(0)} s)`
      );
    },
  };
}

/** End to end per run: in-toto statement + DSSE sign, simplesigning sign, 2 log entries, .att + .sig pushed. */
export default async function bench(): Promise<void> {
  if (!process.env.CHAINS_BENCH_BACKLOG && !process.env.SKIP_BACKLOG) await backlogInChild();
  const work = mkdtempSync(join(tmpdir(), 'chains-bench-'));
  // the registry and the log run as their own processes (`chains registry serve`, `chains tlog serve`), as they
  // would in a deployment: the controller gets its own core and RSS measures the controller alone
  const registry = await serve('registry', ['registry', 'serve', '--dir', join(work, 'registry')], '/v2/');
  const log = await serve('log', ['tlog', 'serve', '--db', join(work, 'tlog.db')], '/api/v1/log');
  const pair = await generateKeyPair('bench');
  const signer = staticSigner(new KeySigner(pair.material));
  const config = new ConfigStore(
    parseConfig({
      'artifacts.taskrun.storage': 'oci',
      'artifacts.oci.storage': 'oci',
      'transparency.enabled': 'true',
      'transparency.url': log.url,
    }),
  );
  // every run built its own image (a distinct digest), as in a cluster; one real image proves the layout
  const image = `${registry.host}/bench`;
  await pushDemoImage(new RegistryClient(), image);
  const run = async (
    total: number,
    workers: number,
    label: string,
    cfg = config,
    budgetMs = 600_000,
    freshEveryMs = 0,
  ) => {
    if (STEPS && !STEPS.some((s) => label.includes(s))) return;
    const runs = new Runs();
    const orchestrator = buildOrchestrator({
      config: cfg,
      signer,
      runs,
      annotations: runs,
      localDir: join(work, 'store'),
    });
    const reconciler = new Reconciler({
      cache: runs,
      runs,
      orchestrator,
      filter: () => cfg.current.filter,
    });
    const loop = new ControllerLoop(reconciler, {
      workers,
      maxLength: 1_000_000,
      baseDelayMs: 50,
      maxDelayMs: 2000,
    });
    // runs that complete while this instance runs (steady state) are never looked up in the log; the backlog is a
    // restart: its runs completed earlier, so each payload is first searched for (docs/controller.md, retries)
    const finishedAt = process.env.CHAINS_BENCH_BACKLOG ? undefined : new Date(Date.now() + 5000);
    for (let i = 0; i < total; i++) {
      const digest = `sha256:${createHash('sha256').update(`run ${i} ${label}`).digest('hex')}`;
      runs.add(
        finishedKanikoTaskRun({
          name: `run-${i}`,
          uid: randomUUID(),
          image,
          digest,
          ...(finishedAt ? { finishedAt } : {}),
        }),
      );
    }
    global.gc?.();
    // memoryUsage.rss(), not memoryUsage(): the latter collects heap statistics (~0.7 ms a call, 20 calls/s) and
    // was counted as controller CPU
    const rssBefore = process.memoryUsage.rss();
    let peak = rssBefore;
    // CPU per run is the figure that survives a loaded machine; wall-clock runs/s moves with the neighbours
    const cpu0 = { self: process.cpuUsage(), registry: cpuMs(registry.pid), log: cpuMs(log.pid) };
    const t0 = performance.now();
    // the backlog is what the informer's initial list delivers; runs completing meanwhile come as watch events
    for (const d of runs.docs.values()) loop.enqueue(d, freshEveryMs ? 'backlog' : 'fresh');
    loop.start();
    const fresh = freshEveryMs ? injectFresh(loop, runs, image, freshEveryMs) : undefined;
    await drain(loop, runs, total + (fresh?.injected.size ?? 0), budgetMs, () => {
      peak = Math.max(peak, process.memoryUsage.rss());
      fresh?.tick();
    });
    const secs = (performance.now() - t0) / 1000;
    await loop.stop();
    peak = Math.max(peak, process.memoryUsage.rss());
    const done = runs.signed - (fresh ? runs.markedAt.size : 0);
    const self = process.cpuUsage(cpu0.self);
    const per = (ms: number) => (done ? (ms / done).toFixed(1) : '-');
    console.log(
      `${label}: ${done}/${total} runs signed, ${workers} workers: ${(done / secs).toFixed(0)} runs/s ` +
        `(${secs.toFixed(1)} s); RSS ${mib(rssBefore)} → peak ${mib(peak)} MiB; CPU per run: controller ` +
        `${per((self.user + self.system) / 1000)} ms, registry ${per(cpuMs(registry.pid) - cpu0.registry)} ms, ` +
        `log ${per(cpuMs(log.pid) - cpu0.log)} ms`,
    );
    if (fresh) console.log(fresh.report(done / secs));
  };
  const workers = Number(process.env.BENCH_WORKERS ?? 32);
  // first, in a fresh process: the whole backlog is in the cache and the queue from the start
  if (process.env.CHAINS_BENCH_BACKLOG) {
    await run(
      10_000,
      workers,
      `backlog of 10,000 runs, heap capped at 192 MiB as deployed (first ${BACKLOG_S} s)`,
      config,
      BACKLOG_S * 1000,
      5000,
    );
    log.close();
    registry.close();
    return;
  }
  const only = (data: Record<string, string>) => new ConfigStore(parseConfig(data));
  await run(
    STEP_RUNS,
    8,
    'step profile: sign only (tekton annotations in memory)',
    only({ 'artifacts.taskrun.storage': 'tekton', 'artifacts.oci.storage': 'tekton' }),
  );
  await run(
    STEP_RUNS,
    8,
    'step profile: sign + log',
    only({
      'artifacts.taskrun.storage': 'tekton',
      'artifacts.oci.storage': 'tekton',
      'transparency.enabled': 'true',
      'transparency.url': log.url,
    }),
  );
  await run(
    STEP_RUNS,
    8,
    'step profile: sign + OCI push',
    only({ 'artifacts.taskrun.storage': 'oci', 'artifacts.oci.storage': 'oci' }),
  );
  await run(200, 8, 'warm-up, end to end (sign + 2 log entries + .sig/.att push per run)');
  await run(1000, workers, 'end to end (sign + 2 log entries + .sig/.att push per run)');
  console.log('goals: ≥ 200 runs/s, ≤ 300 MiB RSS with a 10,000-run backlog');
  log.close();
  registry.close();
  rmSync(work, { recursive: true, force: true });
}

if (import.meta.url === `file://${process.argv[1]}`) await bench();
