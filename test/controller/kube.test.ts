import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pushDemoImage } from '../../src/demo/image.ts';
import { startKube, type StartedKube } from '../../src/cli/controller/kube-mode.ts';
import * as A from '../../src/controller/annotations.ts';
import { finishedKanikoTaskRun } from '../../src/demo/kaniko-run.ts';
import { silentLogger } from '../../src/controller/log.ts';
import type { RunDoc } from '../../src/controller/ports.ts';
import { generateKeyPair } from '../../src/keys/index.ts';
import { staticKeychain } from '../../src/registry/keychain.ts';
import { RegistryClient } from '../../src/registry/client.ts';
import { OciReader } from '../../src/storage/oci/reader.ts';
import { startLogServer, type RunningLogServer } from '../../src/tlog/server/index.ts';
import { verifyDsse } from '../../src/verify/dsse.ts';
import { kubeConfigFor, startFakeKubeApiServer, type FakeKubeApiServer } from '../fakes/kube-apiserver.ts';
import { testRegistries } from '../setup/env.ts';

const SYS = 'tekton-chains';
const work = mkdtempSync(join(tmpdir(), 'chains-kube-'));
let log: RunningLogServer;
let kube: FakeKubeApiServer;
let started: StartedKube[] = [];
const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');

beforeAll(async () => {
  log = await startLogServer({ dbPath: join(work, 'log.db'), addr: '127.0.0.1:0' });
});
afterAll(async () => log.close());
afterEach(async () => {
  for (const s of started) await s.controller.stop();
  started = [];
  await kube?.close();
});

async function until<T>(read: () => T, ok: (v: T) => boolean, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = read();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function cluster(config: Record<string, string>, password = 'kube-pass') {
  kube = await startFakeKubeApiServer({ bookmarkIntervalMs: 100 });
  const pair = await generateKeyPair(password);
  kube.store.create('configmaps', SYS, { metadata: { name: 'chains-config' }, data: config });
  kube.store.create('secrets', SYS, {
    metadata: { name: 'signing-secrets' },
    data: {
      'cosign.key': b64(pair.privateKeyPem),
      'cosign.password': b64(password),
      'cosign.pub': b64(pair.publicKeyPem),
    },
  });
  const r = testRegistries();
  const auth = b64(`${r.user}:${r.password}`);
  kube.store.create('secrets', 'default', {
    metadata: { name: 'regcred' },
    type: 'kubernetes.io/dockerconfigjson',
    data: { '.dockerconfigjson': b64(JSON.stringify({ auths: { [r.auth]: { auth } } })) },
  });
  kube.store.create('serviceaccounts', 'default', {
    metadata: { name: 'builder' },
    secrets: [{ name: 'regcred' }],
  });
  return pair;
}

async function start(over: Partial<Parameters<typeof startKube>[1]> = {}): Promise<StartedKube> {
  const s = await startKube(
    kubeConfigFor(kube),
    {
      systemNamespace: SYS,
      threads: 2,
      lease: { durationSec: 2, renewMs: 300, retryMs: 200 },
      queue: { baseDelayMs: 100, maxDelayMs: 2000 },
      ...over,
    },
    silentLogger,
  );
  started.push(s);
  return s;
}

async function pushedImage(): Promise<{ image: string; digest: string }> {
  const r = testRegistries();
  const client = new RegistryClient({
    keychain: staticKeychain(r.auth, { kind: 'basic', username: r.user, password: r.password }),
  });
  const image = `${r.auth}/kube-${randomUUID().slice(0, 8)}`;
  return { image, digest: await pushDemoImage(client, image, 'latest', `kube ${randomUUID()}\n`) };
}

const annotations = (name: string, plural = 'taskruns'): Record<string, string> =>
  ((kube.store.get(plural, 'default', name) as RunDoc | undefined)?.metadata.annotations ?? {}) as Record<
    string,
    string
  >;

function createRun(doc: RunDoc): void {
  kube.store.create(
    doc.kind === 'PipelineRun' ? 'pipelineruns' : 'taskruns',
    'default',
    doc as unknown as Record<string, unknown>,
  );
}

const kaniko = (name: string, image: string, digest: string): RunDoc =>
  finishedKanikoTaskRun({ name, uid: randomUUID(), image, digest, serviceAccountName: 'builder' });

describe('chains controller against a (fake) Kubernetes API server', () => {
  it('signs a TaskRun: SA registry secret, OCI layout, log entry, annotations via patch with 409 retries', async () => {
    const pair = await cluster({
      'artifacts.taskrun.storage': 'oci,tekton',
      'transparency.enabled': 'true',
      'transparency.url': log.url,
    });
    const { image, digest } = await pushedImage();
    kube.inject({ method: 'PATCH', path: '/taskruns/kaniko-1', status: 409, reason: 'Conflict', times: 2 });
    const s = await start({ metricsAddr: '127.0.0.1:0' });
    createRun(kaniko('kaniko-1', image, digest));
    const a = await until(
      () => annotations('kaniko-1'),
      (x) => x[A.SIGNED] !== undefined,
    );
    expect(a[A.SIGNED]).toBe('true');
    expect(a[A.TRANSPARENCY]).toMatch(/\/api\/v1\/log\/entries\?logIndex=\d+$/);
    expect(s.controller.runs.conflicts).toBeGreaterThanOrEqual(2);
    const patches = kube.requests.filter((r) => r.method === 'PATCH' && r.path.endsWith('/kaniko-1'));
    expect(patches.every((p) => p.contentType === 'application/merge-patch+json')).toBe(true);
    const r = testRegistries();
    const reader = new OciReader(
      new RegistryClient({
        keychain: staticKeychain(r.auth, { kind: 'basic', username: r.user, password: r.password }),
      }),
    );
    const [att] = await reader.attestations({ repository: image, digest });
    expect(att).toBeDefined();
    expect(verifyDsse(att?.bytes ?? Buffer.alloc(0), pair.material.publicKey)).toBeDefined();
    const metrics = await (await fetch(`${s.controller.health?.url}/metrics`)).text();
    expect(metrics).toMatch(/^watcher_taskrun_marked_signed_total 1$/m);
    expect(metrics).toMatch(/^watcher_taskrun_payload_uploaded_total 2$/m);
    expect((await fetch(`${s.controller.health?.url}/readyz`)).status).toBe(200);
    expect(await (await fetch(`${s.controller.health?.url}/healthz`)).text()).toBe('ok\n');
  });

  it('keeps watching across dropped watches and 410 Gone; uses resourceVersion and bookmarks', async () => {
    await cluster({ 'artifacts.taskrun.storage': 'tekton', 'artifacts.oci.storage': 'tekton' });
    const s = await start();
    const first = kaniko('before', 'reg.example/app', `sha256:${'a'.repeat(64)}`);
    first.metadata.managedFields = [
      { manager: 'tekton-pipelines-controller', operation: 'Update', fieldsV1: { 'f:status': {} } },
    ];
    createRun(first);
    await until(
      () => annotations('before'),
      (x) => x[A.SIGNED] === 'true',
    );
    const cached = s.controller.informers.find((i) => i.path.endsWith('/taskruns'))?.get('default', 'before');
    expect(cached?.metadata.managedFields).toBeUndefined(); // trimmed from the cache
    expect(
      (kube.store.get('taskruns', 'default', 'before')?.metadata as { managedFields?: unknown })
        .managedFields,
    ).toBeDefined();
    kube.bookmarkNow();
    kube.dropWatches();
    createRun(kaniko('after-drop', 'reg.example/app', `sha256:${'b'.repeat(64)}`));
    await until(
      () => annotations('after-drop'),
      (x) => x[A.SIGNED] === 'true',
    );
    const relists = s.controller.informers.map((i) => i.relists);
    kube.dropWatches();
    createRun(kaniko('after-410', 'reg.example/app', `sha256:${'c'.repeat(64)}`));
    kube.store.compact();
    await until(
      () => annotations('after-410'),
      (x) => x[A.SIGNED] === 'true',
    );
    expect(annotations('after-410')[A.SIGNED]).toBe('true');
    expect(s.controller.informers.map((i) => i.relists).reduce((x, y) => x + y)).toBeGreaterThan(
      relists.reduce((x, y) => x + y),
    );
    const watches = kube.requests.filter((r) => r.query.watch === 'true' && r.path.endsWith('/taskruns'));
    expect(
      watches.some((w) => w.query.allowWatchBookmarks === 'true' && Number(w.query.resourceVersion) > 0),
    ).toBe(true);
  });

  it('config edits: a bad edit keeps the previous config, a good one applies; a rotated signing secret is used', async () => {
    await cluster({ 'artifacts.taskrun.storage': 'tekton', 'artifacts.oci.signer': 'none' });
    const s = await start();
    const cm = kube.store.get('configmaps', SYS, 'chains-config') ?? {};
    kube.store.update('configmaps', SYS, 'chains-config', {
      ...cm,
      metadata: {},
      data: { 'artifacts.taskrun.format': 'bogus' },
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(s.config.current.artifacts.taskrun.format).toBe('in-toto');
    kube.store.update('configmaps', SYS, 'chains-config', {
      ...cm,
      metadata: {},
      data: {
        'artifacts.taskrun.storage': 'tekton',
        'artifacts.taskrun.format': 'slsa/v2alpha4',
        'artifacts.oci.signer': 'none',
      },
    });
    await until(
      () => s.config.current.artifacts.taskrun.format,
      (f) => f === 'slsa/v2alpha4',
    );
    const rotated = await generateKeyPair('new-pass');
    kube.store.update('secrets', SYS, 'signing-secrets', {
      metadata: {},
      data: { 'cosign.key': b64(rotated.privateKeyPem), 'cosign.password': b64('new-pass') },
    });
    await new Promise((r) => setTimeout(r, 200));
    const run = kaniko('rotated', 'reg.example/app', `sha256:${'d'.repeat(64)}`);
    createRun(run);
    const a = await until(
      () => annotations('rotated'),
      (x) => x[A.SIGNED] !== undefined,
    );
    expect(a[A.SIGNED]).toBe('true');
    const envelope = Buffer.from(
      a[`chains.tekton.dev/signature-taskrun-${run.metadata.uid}`] ?? '',
      'base64',
    );
    expect(
      JSON.parse(Buffer.from(JSON.parse(envelope.toString()).payload, 'base64').toString()).predicateType,
    ).toBe('https://slsa.dev/provenance/v1');
    expect(() => verifyDsse(envelope, rotated.material.publicKey)).not.toThrow();
  });

  it('wrong signing password: retries then signed=failed with the reason; managedBy filter skips foreign runs', async () => {
    await cluster({ 'artifacts.taskrun.storage': 'tekton', 'artifacts.oci.storage': 'tekton' });
    const secret = kube.store.get('secrets', SYS, 'signing-secrets') ?? {};
    kube.store.update('secrets', SYS, 'signing-secrets', {
      ...secret,
      metadata: {},
      data: { ...(secret.data as object), 'cosign.password': b64('wrong') },
    });
    await start();
    createRun(kaniko('badpass', 'reg.example/app', `sha256:${'e'.repeat(64)}`));
    const foreign = kaniko('foreign', 'reg.example/app', `sha256:${'f'.repeat(64)}`);
    (foreign.spec as Record<string, unknown>).managedBy = 'example.com/other-controller';
    createRun(foreign);
    const a = await until(
      () => annotations('badpass'),
      (x) => x[A.SIGNED] !== undefined,
    );
    expect(a[A.SIGNED]).toBe('failed');
    expect(a[A.RETRIES]).toBe('3');
    expect(a[A.FAILURE_REASON]).toMatch(/cannot load cosign\.key from the signing secret/);
    expect(annotations('foreign')).toEqual({});
  });

  it('PipelineRun waits for its child TaskRuns to be signed, then is signed', async () => {
    await cluster({
      'artifacts.taskrun.storage': 'tekton',
      'artifacts.pipelinerun.storage': 'tekton',
      'artifacts.oci.storage': 'tekton',
    });
    const child = kaniko('pr-child', 'reg.example/app', `sha256:${'9'.repeat(64)}`);
    child.metadata.labels = {
      ...child.metadata.labels,
      'tekton.dev/pipelineTask': 'build',
      'tekton.dev/pipelineRun': 'pr',
    };
    child.metadata.ownerReferences = [
      { apiVersion: 'tekton.dev/v1', kind: 'PipelineRun', name: 'pr', uid: 'x' },
    ];
    (child.status as Record<string, unknown>).conditions = [{ type: 'Succeeded', status: 'Unknown' }];
    delete (child.status as Record<string, unknown>).completionTime;
    const pr: RunDoc = {
      apiVersion: 'tekton.dev/v1',
      kind: 'PipelineRun',
      metadata: { name: 'pr', namespace: 'default', uid: randomUUID() },
      spec: { pipelineRef: { name: 'build-pipeline' } },
      status: {
        conditions: [{ type: 'Succeeded', status: 'True' }],
        startTime: '2026-01-01T00:00:00Z',
        completionTime: '2026-01-01T00:01:00Z',
        childReferences: [
          { apiVersion: 'tekton.dev/v1', kind: 'TaskRun', name: 'pr-child', pipelineTaskName: 'build' },
        ],
        pipelineSpec: { tasks: [{ name: 'build', taskRef: { name: 'kaniko-chains' } }] },
      },
    };
    createRun(child);
    createRun(pr);
    await start();
    await new Promise((r) => setTimeout(r, 400));
    expect(annotations('pr', 'pipelineruns')[A.SIGNED]).toBeUndefined();
    const cur = kube.store.get('taskruns', 'default', 'pr-child') ?? {};
    const done = kaniko('pr-child', 'reg.example/app', `sha256:${'9'.repeat(64)}`);
    kube.store.update('taskruns', 'default', 'pr-child', { ...cur, status: done.status });
    await until(
      () => annotations('pr-child'),
      (x) => x[A.SIGNED] === 'true',
    );
    const a = await until(
      () => annotations('pr', 'pipelineruns'),
      (x) => x[A.SIGNED] !== undefined,
    );
    expect(a[A.SIGNED]).toBe('true');
    expect(a[`chains.tekton.dev/payload-pipelinerun-${pr.metadata.uid}`]).toBeDefined();
  });

  it('periodic resync re-delivers cached runs without relisting; a signed run is not signed again', async () => {
    await cluster({
      'artifacts.taskrun.storage': 'tekton',
      'artifacts.oci.storage': 'tekton',
      'transparency.enabled': 'true',
      'transparency.url': log.url,
    });
    const s = await start({ resyncMs: 150 });
    createRun(kaniko('resync-1', 'reg.example/app', `sha256:${'9'.repeat(64)}`));
    const signed = await until(
      () => annotations('resync-1'),
      (x) => x[A.SIGNED] !== undefined,
    );
    expect(signed[A.SIGNED]).toBe('true');
    const treeSize = async () =>
      ((await (await fetch(`${log.url}/api/v1/log`)).json()) as { treeSize: number }).treeSize;
    const patches = () => kube.requests.filter((r) => r.method === 'PATCH' && r.path.endsWith('/resync-1'));
    const before = {
      patches: patches().length,
      tree: await treeSize(),
      reconciles: s.controller.loop.reconciles,
    };
    const lists = () => kube.requests.filter((r) => r.path.endsWith('/taskruns') && r.query.watch !== 'true');
    const listed = lists().length;
    // several resync periods: every cached run comes back through the queue, from the cache (no new list)
    await until(
      () => s.controller.loop.reconciles,
      (n) => n >= before.reconciles + 3,
      10_000,
    );
    expect(s.controller.loop.reconciles).toBeGreaterThanOrEqual(before.reconciles + 3);
    expect(lists().length).toBe(listed);
    expect(patches().length).toBe(before.patches);
    expect(await treeSize()).toBe(before.tree);
    expect(annotations('resync-1')).toEqual(signed);
  });

  it('elects one leader through a Lease; the standby takes over when the leader stops', async () => {
    await cluster({ 'artifacts.taskrun.storage': 'tekton', 'artifacts.oci.storage': 'tekton' });
    const one = await start({ identity: 'replica-1' });
    await until(
      () => one.controller.elector.leading,
      (x) => x,
    );
    const two = await start({ identity: 'replica-2' });
    await new Promise((r) => setTimeout(r, 400));
    expect(two.controller.elector.leading).toBe(false);
    expect(
      (kube.store.get('leases', SYS, 'tekton-chains-controller')?.spec as { holderIdentity: string })
        .holderIdentity,
    ).toBe('replica-1');
    createRun(kaniko('ha-1', 'reg.example/app', `sha256:${'7'.repeat(64)}`));
    await until(
      () => annotations('ha-1'),
      (x) => x[A.SIGNED] === 'true',
    );
    expect(two.controller.loop.reconciles).toBe(0);
    await one.controller.stop();
    started = started.filter((s) => s !== one);
    await until(
      () => two.controller.elector.leading,
      (x) => x,
    );
    createRun(kaniko('ha-2', 'reg.example/app', `sha256:${'8'.repeat(64)}`));
    const a = await until(
      () => annotations('ha-2'),
      (x) => x[A.SIGNED] !== undefined,
    );
    expect(a[A.SIGNED]).toBe('true');
    expect(
      (kube.store.get('leases', SYS, 'tekton-chains-controller')?.spec as { holderIdentity: string })
        .holderIdentity,
    ).toBe('replica-2');
  });
});
