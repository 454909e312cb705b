import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import * as A from '../../src/controller/annotations.ts';
import { finishedKanikoTaskRun } from '../../src/demo/kaniko-run.ts';
import type { RunDoc } from '../../src/controller/ports.ts';
import { TestCluster, until } from './kube-cluster.ts';

/** Issue 16 item 9: Chains' finalizers, and item 10: a run with nothing to sign is left alone. */
let c: TestCluster;
afterEach(async () => c?.stop());

const TEKTON = { 'artifacts.taskrun.storage': 'tekton', 'artifacts.oci.storage': 'tekton' };
const LOCAL = { 'artifacts.taskrun.storage': 'local', 'artifacts.oci.storage': 'local' };

const done = (name: string, finalizers?: string[]): RunDoc => {
  const run = finishedKanikoTaskRun({
    name,
    uid: randomUUID(),
    image: 'reg.example/app',
    digest: `sha256:${randomUUID().replace(/-/g, '').padEnd(64, '0')}`,
  });
  if (finalizers) run.metadata.finalizers = finalizers;
  return run;
};

const running = (name: string, finalizers?: string[]): RunDoc => {
  const run = done(name, finalizers);
  const status = run.status as Record<string, unknown>;
  status.conditions = [{ type: 'Succeeded', status: 'Unknown', reason: 'Running' }];
  delete status.completionTime;
  return run;
};

/** Without results: a TaskRun that built no image (git-clone, tests). */
const imageless = (name: string): RunDoc => {
  const run = done(name);
  delete (run.status as Record<string, unknown>).results;
  return run;
};

const finalizersOf = (name: string, kind = 'TaskRun') => c.get(name, kind)?.metadata.finalizers ?? [];
const signedOf = (name: string, kind = 'TaskRun') => c.get(name, kind)?.metadata.annotations?.[A.SIGNED];

/** The run's watch history as the API server recorded it: event type and `signed` annotation. */
const history = (name: string) =>
  c.kube.store.history
    .filter((e) => (e.object.metadata as { name?: string }).name === name)
    .map((e) => `${e.type}:${(e.object.metadata as RunDoc['metadata']).annotations?.[A.SIGNED] ?? '-'}`);

const pipelineRun = (name: string, children: string[]): RunDoc => ({
  apiVersion: 'tekton.dev/v1',
  kind: 'PipelineRun',
  metadata: { name, namespace: 'default', uid: randomUUID() },
  spec: { pipelineRef: { name: 'build-pipeline' } },
  status: {
    conditions: [{ type: 'Succeeded', status: 'True' }],
    startTime: '2026-01-01T00:00:00Z',
    completionTime: '2026-01-01T00:01:00Z',
    childReferences: children.map((n) => ({
      apiVersion: 'tekton.dev/v1',
      kind: 'TaskRun',
      name: n,
      pipelineTaskName: n,
    })),
    pipelineSpec: { tasks: children.map((n) => ({ name: n, taskRef: { name: 'task' } })) },
  },
});
const child = (run: RunDoc, pr: string): RunDoc => {
  run.metadata.labels = {
    ...run.metadata.labels,
    'tekton.dev/pipelineRun': pr,
    'tekton.dev/pipelineTask': run.metadata.name,
  };
  run.metadata.ownerReferences = [{ apiVersion: 'tekton.dev/v1', kind: 'PipelineRun', name: pr, uid: 'x' }];
  return run;
};

describe('finalizers (chains.tekton.dev/taskrun, /pipelinerun)', () => {
  it('a running TaskRun gets the finalizer; the patch marking it signed removes it and keeps the others', async () => {
    c = await TestCluster.start(TEKTON);
    c.create(running('build', ['example.com/keep']));
    await c.controller();
    await until(
      () => finalizersOf('build'),
      (f) => f.includes(A.TASKRUN_FINALIZER),
    );
    expect(finalizersOf('build')).toEqual(['example.com/keep', A.TASKRUN_FINALIZER]);
    c.update('build', (d) => ({ ...d, status: done('build').status }));
    await until(
      () => signedOf('build'),
      (s) => s === 'true',
    );
    expect(finalizersOf('build')).toEqual(['example.com/keep']);
    const mark = c.kube.requests.find(
      (r) =>
        r.method === 'PATCH' &&
        (r.body as { metadata?: { annotations?: Record<string, string> } }).metadata?.annotations?.[
          A.SIGNED
        ] === 'true',
    );
    expect(mark?.body).toMatchObject({ metadata: { finalizers: ['example.com/keep'] } });
  });

  it('a done PipelineRun waiting on a running child holds its finalizer; both are released when signed', async () => {
    c = await TestCluster.start({ ...TEKTON, 'artifacts.pipelinerun.storage': 'tekton' });
    c.create(child(running('step'), 'wait-pr'));
    c.create(pipelineRun('wait-pr', ['step']));
    await c.controller();
    await until(
      () => finalizersOf('wait-pr', 'PipelineRun'),
      (f) => f.includes(A.PIPELINERUN_FINALIZER),
    );
    expect(signedOf('wait-pr', 'PipelineRun')).toBeUndefined();
    expect(finalizersOf('step')).toEqual([A.TASKRUN_FINALIZER]);
    c.update('step', (d) => ({ ...d, status: done('step').status }));
    await until(
      () => signedOf('wait-pr', 'PipelineRun'),
      (v) => v !== undefined,
    );
    expect(signedOf('wait-pr', 'PipelineRun')).toBe('true');
    expect(signedOf('step')).toBe('true');
    expect([...finalizersOf('wait-pr', 'PipelineRun'), ...finalizersOf('step')]).toEqual([]);
  });

  it('signing a done run costs 2 patches (hold, mark with release) and no GET per annotation write', async () => {
    c = await TestCluster.start(LOCAL);
    c.create(done('cheap'));
    await c.controller({ threads: 1 });
    await until(
      () => signedOf('cheap'),
      (v) => v === 'true',
    );
    await new Promise((r) => setTimeout(r, 300)); // the reconciles our own patches trigger
    const calls = c.kube.requests.filter((r) => r.path.endsWith('/taskruns/cheap'));
    expect(calls.filter((r) => r.method === 'PATCH')).toHaveLength(2);
    // the reconcile's freshness GET (Chains re-reads before signing); at most one more for the re-reconcile
    // that the hold patch's own watch event triggers
    expect(calls.filter((r) => r.method === 'GET').length).toBeLessThanOrEqual(2);
    expect(finalizersOf('cheap')).toEqual([]);
  });

  it('a PipelineRun whose child TaskRun is gone ends signed=failed with the reason, not an endless wait', async () => {
    c = await TestCluster.start({ ...TEKTON, 'artifacts.pipelinerun.storage': 'tekton' });
    c.create(pipelineRun('orphan', ['ghost']));
    await c.controller({ queue: { baseDelayMs: 10, maxDelayMs: 50 } });
    await until(
      () => signedOf('orphan', 'PipelineRun'),
      (v) => v !== undefined,
    );
    const a = c.get('orphan', 'PipelineRun')?.metadata.annotations ?? {};
    expect(a[A.SIGNED]).toBe('failed');
    expect(a[A.RETRIES]).toBe('3');
    expect(a[A.FAILURE_REASON]).toBe(
      'payload_creation: child TaskRun ghost not found: the PipelineRun cannot be attested',
    );
    expect(finalizersOf('orphan', 'PipelineRun')).toEqual([]);
  });

  it('a pruner deleting 30 runs the moment they complete loses no provenance (Chains #181)', async () => {
    c = await TestCluster.start(LOCAL);
    const names = Array.from({ length: 30 }, (_, i) => `pruned-${i}`);
    for (const n of names) c.create(running(n));
    await c.controller({ threads: 4 });
    await until(
      () => names.filter((n) => finalizersOf(n).includes(A.TASKRUN_FINALIZER)).length,
      (k) => k === names.length,
    );
    for (const n of names) {
      c.update(n, (d) => ({ ...d, status: done(n).status }));
      c.kube.store.delete('taskruns', 'default', n); // Pipelines-as-Code style: gone right after completion
    }
    await until(
      () => names.filter((n) => c.get(n) !== undefined).length,
      (k) => k === 0,
    );
    // every run was marked signed=true before the API server let it go
    expect(names.map((n) => history(n).at(-1))).toEqual(names.map(() => 'DELETED:true'));
  });

  it('a run deleted while still running is released at once (nothing to sign yet, as upstream)', async () => {
    c = await TestCluster.start(TEKTON);
    c.create(running('cancelled'));
    await c.controller();
    await until(
      () => finalizersOf('cancelled'),
      (f) => f.includes(A.TASKRUN_FINALIZER),
    );
    expect(c.kube.store.delete('taskruns', 'default', 'cancelled').pending).toBe(true);
    await until(
      () => c.get('cancelled'),
      (d) => d === undefined,
    );
    expect(c.get('cancelled')).toBeUndefined();
    expect(history('cancelled').at(-2)).toBe('MODIFIED:-');
    expect(history('cancelled').at(-1)).toBe('DELETED:-');
  });

  it('a done run deleted before it was signed is signed first, then released and gone', async () => {
    c = await TestCluster.start(TEKTON);
    c.create(done('pruned', [A.TASKRUN_FINALIZER]));
    c.kube.store.delete('taskruns', 'default', 'pruned'); // a pruner, while no controller ran
    expect(c.get('pruned')?.metadata.deletionTimestamp).toBeDefined();
    await c.controller();
    await until(
      () => c.get('pruned'),
      (d) => d === undefined,
    );
    const h = history('pruned');
    expect(h.at(-1)).toBe('DELETED:true'); // signed on the way out: the provenance was stored
    expect(h.filter((e) => e === 'MODIFIED:true').length).toBeGreaterThanOrEqual(1);
  });

  it('signing keeps failing on a run being deleted: Chains retries, signed=failed, finalizer released', async () => {
    c = await TestCluster.start(TEKTON, { password: 'right', secretPassword: 'wrong' });
    c.create(done('doomed', [A.TASKRUN_FINALIZER]));
    c.kube.store.delete('taskruns', 'default', 'doomed');
    await c.controller();
    await until(
      () => c.get('doomed'),
      (d) => d === undefined,
    );
    const last = c.kube.store.history
      .filter((e) => (e.object.metadata as { name?: string }).name === 'doomed')
      .at(-1);
    expect(last?.type).toBe('DELETED');
    const a = (last?.object.metadata as RunDoc['metadata']).annotations ?? {};
    expect(a[A.SIGNED]).toBe('failed');
    expect(a[A.RETRIES]).toBe('3');
    expect(a[A.FAILURE_REASON]).toMatch(/signing/);
  });

  it('the API keeps refusing the mark on a run being deleted (a webhook): released after the retries', async () => {
    c = await TestCluster.start(LOCAL);
    c.create(done('refused', [A.TASKRUN_FINALIZER]));
    c.kube.store.delete('taskruns', 'default', 'refused');
    // the mark is refused 4 times (Chains' first attempt and 3 retries); the release goes through
    c.kube.inject({ method: 'PATCH', path: '/taskruns/refused', status: 422, reason: 'Invalid', times: 4 });
    await c.controller();
    await until(
      () => c.get('refused'),
      (d) => d === undefined,
    );
    expect(c.get('refused')).toBeUndefined();
    expect(history('refused').at(-1)).toBe('DELETED:-');
    const patches = c.kube.requests.filter((r) => r.method === 'PATCH' && r.path.endsWith('/refused'));
    expect(patches).toHaveLength(5);
  });

  it('runs handled before (by upstream Chains, which keeps its finalizer) are released, the legacy name too', async () => {
    c = await TestCluster.start(TEKTON);
    const old = done('old', [A.LEGACY_FINALIZER, 'example.com/keep']);
    old.metadata.annotations = { [A.SIGNED]: 'true' };
    const upstream = done('upstream', [A.TASKRUN_FINALIZER]);
    upstream.metadata.annotations = { [A.SIGNED]: 'failed' };
    c.create(old);
    c.create(upstream);
    await c.controller();
    await until(
      () => [...finalizersOf('old'), ...finalizersOf('upstream')],
      (f) => f.length === 1,
    );
    expect(finalizersOf('old')).toEqual(['example.com/keep']);
    expect(finalizersOf('upstream')).toEqual([]);
  });
});

describe('nothing to do is not a failure', () => {
  it('PipelineRun-only config (taskrun storage ""): an image-less TaskRun stays unmarked, not failed; the PipelineRun is signed', async () => {
    c = await TestCluster.start({
      'artifacts.taskrun.storage': '',
      'artifacts.pipelinerun.storage': 'tekton',
      'artifacts.oci.storage': 'tekton',
    });
    c.create(child(imageless('clone'), 'pr'));
    c.create(child(done('image'), 'pr'));
    c.create(pipelineRun('pr', ['clone', 'image']));
    const s = await c.controller({ metricsAddr: '127.0.0.1:0' });
    await until(
      () => signedOf('pr', 'PipelineRun'),
      (v) => v !== undefined,
    );
    expect(signedOf('pr', 'PipelineRun')).toBe('true');
    expect(signedOf('image')).toBe('true'); // its image is signed (oci stays on)
    // the gate does not wait for it (nothing to sign); its own reconcile releases what it held meanwhile
    await until(
      () => finalizersOf('clone'),
      (f) => f.length === 0,
    );
    expect(finalizersOf('clone')).toEqual([]);
    expect(c.get('clone')?.metadata.annotations ?? {}).toEqual({});
    expect(finalizersOf('pr', 'PipelineRun')).toEqual([]);
    const metrics = await (await fetch(`${s.controller.health?.url}/metrics`)).text();
    expect(metrics).not.toMatch(/signing_failures_total\{[^}]*\} [1-9]/);
  });

  it('TaskRun signing off (signer none, oci storage ""): PipelineRun gating does not wait on children', async () => {
    c = await TestCluster.start({
      'artifacts.taskrun.signer': 'none',
      'artifacts.oci.storage': '',
      'artifacts.pipelinerun.storage': 'tekton',
    });
    c.create(child(running('slow'), 'pr2')); // would block the gate forever if it were waited on
    c.create(pipelineRun('pr2', ['slow']));
    await c.controller();
    await until(
      () => signedOf('pr2', 'PipelineRun'),
      (v) => v !== undefined,
    );
    expect(signedOf('pr2', 'PipelineRun')).toBe('true');
    expect(finalizersOf('slow')).toEqual([]); // nothing will ever be signed for it: not held
    expect(c.get('slow')?.metadata.annotations ?? {}).toEqual({});
  });

  it('signing a run whose signing keeps failing (no registry) is still signed=failed, and released', async () => {
    c = await TestCluster.start({ 'artifacts.taskrun.storage': 'oci', 'artifacts.oci.storage': 'oci' });
    // no registry credentials or reachable registry for reg.example: storage fails, retries, then failed
    c.create(done('unreachable'));
    await c.controller({ queue: { baseDelayMs: 10, maxDelayMs: 50 } });
    await until(
      () => signedOf('unreachable'),
      (v) => v !== undefined,
    );
    expect(signedOf('unreachable')).toBe('failed');
    expect(finalizersOf('unreachable')).toEqual([]);
  });
});
