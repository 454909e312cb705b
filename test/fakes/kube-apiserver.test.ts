import {
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  makeInformer,
  setHeaderOptions,
  type KubernetesObject,
  type V1ConfigMap,
} from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { kubeConfigFor, startFakeKubeApiServer, type FakeKubeApiServer } from './kube-apiserver.ts';

let kube: FakeKubeApiServer;
beforeEach(async () => {
  kube = await startFakeKubeApiServer({ bookmarkIntervalMs: 50 });
});
afterEach(async () => kube.close());

const taskRun = (name: string) => ({
  apiVersion: 'tekton.dev/v1',
  kind: 'TaskRun',
  metadata: { name, namespace: 'default' },
  spec: { taskRef: { name: 'build' } },
});

/** Collect watch lines from a raw fetch until `n` events or the stream ends. */
async function watchLines(
  query: string,
  n: number,
): Promise<{ type: string; object: Record<string, unknown> }[]> {
  const res = await fetch(`${kube.url}/apis/tekton.dev/v1/namespaces/default/taskruns?watch=true&${query}`, {
    headers: { authorization: 'Bearer test-token' },
  });
  const out: { type: string; object: Record<string, unknown> }[] = [];
  let buf = '';
  const reader = res.body!.getReader();
  while (out.length < n) {
    const { done, value } = await reader.read();
    if (done) break;
    buf += Buffer.from(value).toString('utf8');
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0 && out.length < n) {
      out.push(JSON.parse(buf.slice(0, i)));
      buf = buf.slice(i + 1);
    }
  }
  await reader.cancel();
  return out;
}

describe('fake kube-apiserver', () => {
  it('serves Secrets and ConfigMaps through client-node CoreV1Api (create/get/list/update/patch/delete)', async () => {
    const core = kubeConfigFor(kube).makeApiClient(CoreV1Api);
    await core.createNamespacedSecret({
      namespace: 'ns1',
      body: { metadata: { name: 's1' }, type: 'kubernetes.io/dockerconfigjson', data: { a: 'Yg==' } },
    });
    const s = await core.readNamespacedSecret({ namespace: 'ns1', name: 's1' });
    expect(s.data?.a).toBe('Yg==');
    expect(s.metadata?.resourceVersion).toMatch(/^\d+$/);
    const cm: V1ConfigMap = { metadata: { name: 'chains-config' }, data: { 'artifacts.oci.storage': 'oci' } };
    await core.createNamespacedConfigMap({ namespace: 'ns1', body: cm });
    const list = await core.listNamespacedConfigMap({ namespace: 'ns1' });
    expect(list.items.map((i) => i.metadata?.name)).toEqual(['chains-config']);
    expect(Number(list.metadata?.resourceVersion)).toBeGreaterThan(0);
    await core.patchNamespacedConfigMap(
      { namespace: 'ns1', name: 'chains-config', body: { data: { 'transparency.enabled': 'true' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const got = await core.readNamespacedConfigMap({ namespace: 'ns1', name: 'chains-config' });
    expect(got.data).toEqual({ 'artifacts.oci.storage': 'oci', 'transparency.enabled': 'true' });
    await core.deleteNamespacedSecret({ namespace: 'ns1', name: 's1' });
    await expect(core.readNamespacedSecret({ namespace: 'ns1', name: 's1' })).rejects.toMatchObject({
      code: 404,
    });
  });

  it('rejects a stale resourceVersion in a merge patch or PUT with a 409 Conflict Status', async () => {
    const api = kubeConfigFor(kube).makeApiClient(CustomObjectsApi);
    const created = kube.store.create('taskruns', 'default', taskRun('tr1'));
    const rv = (created.metadata as { resourceVersion: string }).resourceVersion;
    kube.store.update('taskruns', 'default', 'tr1', {
      ...created,
      metadata: { ...(created.metadata as object), labels: { x: 'y' } },
    });
    const patch = { metadata: { resourceVersion: rv, annotations: { 'chains.tekton.dev/signed': 'true' } } };
    const err = await api
      .patchNamespacedCustomObject(
        {
          group: 'tekton.dev',
          version: 'v1',
          namespace: 'default',
          plural: 'taskruns',
          name: 'tr1',
          body: patch,
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      )
      .catch((e: { code: number; body: string }) => e);
    expect(err).toMatchObject({ code: 409 });
    expect(JSON.parse((err as { body: string }).body)).toMatchObject({
      kind: 'Status',
      reason: 'Conflict',
      code: 409,
    });
    // without the stale version the patch applies
    await api.patchNamespacedCustomObject(
      {
        group: 'tekton.dev',
        version: 'v1',
        namespace: 'default',
        plural: 'taskruns',
        name: 'tr1',
        body: { metadata: { annotations: { a: 'b' } } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(kube.store.get('taskruns', 'default', 'tr1')?.metadata).toMatchObject({
      annotations: { a: 'b' },
      labels: { x: 'y' },
    });
  });

  it('applies json-patch with test ops and reports a failed test as 422', async () => {
    kube.store.create('taskruns', 'default', taskRun('tr2'));
    const url = `${kube.url}/apis/tekton.dev/v1/namespaces/default/taskruns/tr2`;
    const send = (ops: unknown) =>
      fetch(url, {
        method: 'PATCH',
        headers: { authorization: 'Bearer test-token', 'content-type': 'application/json-patch+json' },
        body: JSON.stringify(ops),
      });
    const ok = await send([
      { op: 'add', path: '/metadata/annotations', value: { 'chains.tekton.dev/signed': 'true' } },
    ]);
    expect(ok.status).toBe(200);
    const bad = await send([{ op: 'test', path: '/spec/taskRef/name', value: 'other' }]);
    expect(bad.status).toBe(422);
  });

  it('streams watch events after a resourceVersion, with bookmarks, and 410 for a compacted one', async () => {
    const first = kube.store.create('taskruns', 'default', taskRun('a'));
    const rv = (first.metadata as { resourceVersion: string }).resourceVersion;
    kube.store.create('taskruns', 'default', taskRun('b'));
    kube.store.delete('taskruns', 'default', 'a');
    const evs = await watchLines(`resourceVersion=${rv}&allowWatchBookmarks=true`, 3);
    expect(evs.map((e) => e.type)).toEqual(['ADDED', 'DELETED', 'BOOKMARK']);
    expect((evs[0]?.object.metadata as { name: string }).name).toBe('b');
    kube.store.compact();
    const gone = await watchLines(`resourceVersion=${rv}`, 1);
    expect(gone[0]).toMatchObject({
      type: 'ERROR',
      object: { kind: 'Status', code: 410, reason: 'Expired' },
    });
  });

  it('drives a client-node informer: list, watch, reconnect after a dropped watch and after 410', async () => {
    const kc = kubeConfigFor(kube);
    const api = kc.makeApiClient(CustomObjectsApi);
    const path = '/apis/tekton.dev/v1/namespaces/default/taskruns';
    const informer = makeInformer<KubernetesObject>(kc, path, () =>
      api.listNamespacedCustomObject({
        group: 'tekton.dev',
        version: 'v1',
        namespace: 'default',
        plural: 'taskruns',
      }),
    );
    const seen: string[] = [];
    informer.on('add', (o) => seen.push(`add:${o.metadata?.name}`));
    informer.on('update', (o) => seen.push(`update:${o.metadata?.name}`));
    kube.store.create('taskruns', 'default', taskRun('pre'));
    await informer.start();
    const until = async (pred: () => boolean) => {
      for (let i = 0; i < 200 && !pred(); i++) await new Promise((r) => setTimeout(r, 10));
      expect(pred()).toBe(true);
    };
    await until(() => kube.openWatches === 1);
    kube.store.create('taskruns', 'default', taskRun('live'));
    await until(() => seen.includes('add:live'));
    kube.dropWatches();
    kube.store.create('taskruns', 'default', taskRun('after'));
    kube.store.compact(); // the client's last resourceVersion is now too old: 410, relist
    await until(() => seen.includes('add:after'));
    expect(seen.filter((s) => s === 'add:pre')).toHaveLength(1);
    await informer.stop();
    const lists = kube.requests.filter((r) => r.method === 'GET' && r.query.watch === undefined);
    expect(lists.length).toBeGreaterThanOrEqual(2); // relisted after the 410
    const watches = kube.requests.filter((r) => r.query.watch === 'true');
    expect(watches[0]?.query.resourceVersion).toMatch(/^\d+$/);
  });

  it('honours finalizers: DELETE sets deletionTimestamp, the update removing the last one deletes (MODIFIED, DELETED)', async () => {
    const created = kube.store.create('taskruns', 'default', {
      ...taskRun('fin'),
      metadata: { name: 'fin', namespace: 'default', finalizers: ['chains.tekton.dev/taskrun', 'other/x'] },
    });
    const rv = (created.metadata as { resourceVersion: string }).resourceVersion;
    const url = `${kube.url}/apis/tekton.dev/v1/namespaces/default/taskruns/fin`;
    const headers = { authorization: 'Bearer test-token', 'content-type': 'application/merge-patch+json' };
    const del = await fetch(url, { method: 'DELETE', headers });
    expect(del.status).toBe(200);
    const pending = (await del.json()) as { metadata: Record<string, unknown> };
    expect(pending.metadata.deletionTimestamp).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(pending.metadata.deletionGracePeriodSeconds).toBe(0);
    // still readable; a second DELETE changes nothing
    expect((await fetch(url, { headers })).status).toBe(200);
    expect((await fetch(url, { method: 'DELETE', headers })).status).toBe(200);
    const patch = (body: unknown) => fetch(url, { method: 'PATCH', headers, body: JSON.stringify(body) });
    // no new finalizer on an object being deleted; deletionTimestamp cannot be cleared by a patch
    const added = await patch({
      metadata: { finalizers: ['chains.tekton.dev/taskrun', 'other/x', 'new/y'] },
    });
    expect(added.status).toBe(422);
    expect(((await added.json()) as { message: string }).message).toMatch(/no new finalizers can be added/);
    await patch({ metadata: { deletionTimestamp: null, finalizers: ['other/x'] } });
    expect(kube.store.get('taskruns', 'default', 'fin')?.metadata).toMatchObject({
      finalizers: ['other/x'],
      deletionTimestamp: pending.metadata.deletionTimestamp,
    });
    await patch({ metadata: { finalizers: null } });
    expect(kube.store.get('taskruns', 'default', 'fin')).toBeUndefined();
    expect((await fetch(url, { headers })).status).toBe(404);
    const evs = await watchLines(`resourceVersion=${rv}`, 4);
    expect(evs.map((e) => e.type)).toEqual(['MODIFIED', 'MODIFIED', 'MODIFIED', 'DELETED']);
    expect((evs[3]?.object.metadata as { finalizers?: string[] }).finalizers).toBeUndefined();
    // without finalizers a DELETE removes at once
    kube.store.create('taskruns', 'default', taskRun('plain'));
    expect(kube.store.delete('taskruns', 'default', 'plain').pending).toBe(false);
    expect(kube.store.get('taskruns', 'default', 'plain')).toBeUndefined();
  });

  it('injects faults, requires the bearer token, and serves Leases and ServiceAccounts', async () => {
    kube.inject({ method: 'GET', path: '/secrets', status: 500, times: 1 });
    const core = kubeConfigFor(kube).makeApiClient(CoreV1Api);
    await expect(core.listNamespacedSecret({ namespace: 'x' })).rejects.toMatchObject({ code: 500 });
    await expect(core.listNamespacedSecret({ namespace: 'x' })).resolves.toMatchObject({ items: [] });
    const wrong = kubeConfigFor(kube, 'default', 'nope').makeApiClient(CoreV1Api);
    await expect(wrong.listNamespacedSecret({ namespace: 'x' })).rejects.toMatchObject({ code: 401 });
    await core.createNamespacedServiceAccount({
      namespace: 'x',
      body: { metadata: { name: 'default' }, imagePullSecrets: [{ name: 'reg' }] },
    });
    expect(
      (await core.readNamespacedServiceAccount({ namespace: 'x', name: 'default' })).imagePullSecrets,
    ).toEqual([{ name: 'reg' }]);
    const lease = kube.store.create('leases', 'tekton-chains', {
      metadata: { name: 'chains' },
      spec: { holderIdentity: 'a' },
    });
    expect(lease.apiVersion).toBe('coordination.k8s.io/v1');
  });
});
