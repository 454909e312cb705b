import { execFile, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeConfigYaml, startFakeKubeApiServer, type FakeKubeApiServer } from './kube-apiserver.ts';

/**
 * A real Kubernetes client against the fake API server: Debian's kubectl (package kubernetes-client) gets, lists,
 * watches, patches and deletes TaskRuns, Secrets and ConfigMaps through discovery, over HTTPS with a bearer token.
 */
const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'chains-kubectl-'));
let kube: FakeKubeApiServer;

function requireKubectl(): void {
  const probe = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0)
    throw new Error(
      'kubectl is required for this test and was not found on PATH: install the Debian package kubernetes-client',
    );
}

/** kubectl refuses to send a bearer token over plain HTTP: the fake serves HTTPS with a self-signed cert. */
function selfSignedCert(): { cert: string; key: string; certFile: string } {
  const key = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  const r = spawnSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key,
    '-out', certFile, '-days', '1', '-subj', '/CN=fake-apiserver', '-addext', 'subjectAltName=IP:127.0.0.1',
  ]); // prettier-ignore
  if (r.status !== 0) throw new Error(`openssl: ${r.stderr.toString()}`);
  return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(key, 'utf8'), certFile };
}

const args = (a: string[]) => [
  '--kubeconfig',
  join(dir, 'kubeconfig'),
  '--cache-dir',
  join(dir, 'cache'),
  ...a,
];
async function kubectl(...a: string[]): Promise<string> {
  return (await run('kubectl', args(a), { encoding: 'utf8' })).stdout;
}

beforeAll(async () => {
  requireKubectl();
  const tls = selfSignedCert();
  kube = await startFakeKubeApiServer({ tls });
  const yaml = kubeConfigYaml(kube).replace(
    'insecure-skip-tls-verify: true',
    `certificate-authority: ${tls.certFile}`,
  );
  writeFileSync(join(dir, 'kubeconfig'), yaml, { mode: 0o600 });
  kube.store.create('taskruns', 'default', {
    metadata: { name: 'build-1', labels: { app: 'demo' } },
    spec: { taskRef: { name: 'kaniko' } },
  });
  kube.store.create('taskruns', 'ci', { metadata: { name: 'build-2' }, spec: {} });
  kube.store.create('configmaps', 'tekton-chains', {
    metadata: { name: 'chains-config' },
    data: { 'artifacts.oci.storage': 'oci' },
  });
  kube.store.create('secrets', 'tekton-chains', {
    metadata: { name: 'signing-secrets' },
    data: { 'cosign.pub': Buffer.from('PUB').toString('base64') },
  });
});
afterAll(async () => kube?.close());

/** Read a process's stdout until `ok` holds for what arrived (then stop it). */
function readUntil(a: string[], ok: (out: string) => boolean, then: () => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const watches = () => kube.requests.filter((r) => r.query.watch === 'true').length;
    const before = watches();
    const child = spawn('kubectl', args(a));
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`kubectl ${a.join(' ')}: no match; stdout: ${out}; stderr: ${err}`));
    }, 30_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!ok(out)) return;
      clearTimeout(timer);
      clearInterval(started);
      child.kill();
      resolve(out);
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const started = setInterval(() => {
      if (watches() === before) return;
      clearInterval(started);
      then();
    }, 20);
  });
}

describe('kubectl against the fake API server', () => {
  it('discovers tekton.dev/v1 and lists TaskRuns (table, JSON, short names, all namespaces, selectors)', async () => {
    expect(await kubectl('api-resources', '--api-group=tekton.dev')).toMatch(
      /taskruns\s+tr,trs\s+tekton\.dev\/v1\s+true\s+TaskRun/,
    );
    expect(await kubectl('get', 'taskruns')).toMatch(/^NAME\s+AGE\nbuild-1\s+\d+s\n$/);
    const all = JSON.parse(await kubectl('get', 'tr', '-A', '-o', 'json')) as { items: unknown[] };
    expect(all.items).toHaveLength(2);
    expect(await kubectl('get', 'tr', '-l', 'app=demo', '-o', 'name')).toBe('taskrun.tekton.dev/build-1\n');
    const one = JSON.parse(await kubectl('get', 'taskrun', 'build-1', '-o', 'json')) as {
      kind: string;
      spec: unknown;
    };
    expect(one).toMatchObject({ kind: 'TaskRun', spec: { taskRef: { name: 'kaniko' } } });
  });

  it('gets and patches ConfigMaps and Secrets', async () => {
    const ns = ['-n', 'tekton-chains'];
    expect(await kubectl('get', 'cm', 'chains-config', ...ns, '-o', 'jsonpath={.data}')).toBe(
      '{"artifacts.oci.storage":"oci"}',
    );
    await kubectl('patch', 'configmap', 'chains-config', ...ns, '--type', 'merge', '-p', '{"data":{"transparency.enabled":"true"}}'); // prettier-ignore
    expect(kube.store.get('configmaps', 'tekton-chains', 'chains-config')?.data).toEqual({
      'artifacts.oci.storage': 'oci',
      'transparency.enabled': 'true',
    });
    const key = Buffer.from('KEY').toString('base64');
    await kubectl('patch', 'secret', 'signing-secrets', ...ns, '--type', 'json', '-p', `[{"op":"add","path":"/data/cosign.key","value":"${key}"}]`); // prettier-ignore
    expect(
      await kubectl('get', 'secret', 'signing-secrets', ...ns, '-o', 'jsonpath={.data.cosign\\.key}'),
    ).toBe(key);
    expect(await kubectl('get', 'secrets', ...ns, '-o', 'name')).toBe('secret/signing-secrets\n');
  });

  it('patches a TaskRun; an optimistic-lock patch with a stale resourceVersion is a Conflict', async () => {
    await kubectl('patch', 'tr', 'build-1', '--type', 'merge', '-p', '{"metadata":{"annotations":{"chains.tekton.dev/signed":"true"}}}'); // prettier-ignore
    expect(kube.store.get('taskruns', 'default', 'build-1')?.metadata).toMatchObject({
      annotations: { 'chains.tekton.dev/signed': 'true' },
    });
    const stale = kubectl('patch', 'tr', 'build-1', '--type', 'merge', '-p', '{"metadata":{"resourceVersion":"1","labels":{"x":"y"}}}'); // prettier-ignore
    await expect(stale).rejects.toMatchObject({ stderr: expect.stringMatching(/Conflict|modified/) });
  });

  it('watches: `get --watch-only -o json` prints the change made after it started', async () => {
    const out = await readUntil(
      ['get', 'taskruns', '--watch-only', '-o', 'json'],
      (o) => o.includes('"watched": "yes"'),
      () => {
        const cur = kube.store.mustGet('taskruns', 'default', 'build-1');
        const meta = cur.metadata as Record<string, unknown>;
        kube.store.update('taskruns', 'default', 'build-1', {
          ...cur,
          metadata: { ...meta, annotations: { watched: 'yes' } },
        });
      },
    );
    expect(out).toMatch(/"name": "build-1"/);
  });

  it('watches Secrets and ConfigMaps (the objects the controller watches) with the default table output', async () => {
    const ns = ['-n', 'tekton-chains'];
    const cm = await readUntil(
      ['get', 'configmaps', ...ns, '--watch-only'],
      (o) => o.includes('chains-config'),
      () => {
        const cur = kube.store.mustGet('configmaps', 'tekton-chains', 'chains-config');
        kube.store.update('configmaps', 'tekton-chains', 'chains-config', {
          ...cur,
          data: { changed: 'yes' },
        });
      },
    );
    expect(cm).toMatch(/^chains-config\s+\d+s/m);
    const secret = await readUntil(
      ['get', 'secret', 'signing-secrets', ...ns, '--watch-only', '-o', 'jsonpath={.data.rotated}{"\\n"}'],
      (o) => o.includes(Buffer.from('new').toString('base64')),
      () => {
        const cur = kube.store.mustGet('secrets', 'tekton-chains', 'signing-secrets');
        const data = { ...(cur.data as object), rotated: Buffer.from('new').toString('base64') };
        kube.store.update('secrets', 'tekton-chains', 'signing-secrets', { ...cur, data });
      },
    );
    expect(secret.trim()).toBe(Buffer.from('new').toString('base64'));
  });

  it('deletes a TaskRun with a finalizer: kubectl waits until the finalizer is removed', async () => {
    kube.store.create('taskruns', 'default', {
      metadata: { name: 'held', finalizers: ['chains.tekton.dev/taskrun'] },
      spec: {},
    });
    const deleting = kubectl('delete', 'tr', 'held', '--timeout=30s');
    for (let i = 0; i < 200; i++) {
      if (kube.store.get('taskruns', 'default', 'held')?.metadata) {
        const m = kube.store.get('taskruns', 'default', 'held')?.metadata as Record<string, unknown>;
        if (m.deletionTimestamp) break;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(await kubectl('get', 'tr', 'held', '-o', 'jsonpath={.metadata.deletionTimestamp}')).toMatch(/T/);
    const cur = kube.store.mustGet('taskruns', 'default', 'held');
    kube.store.update('taskruns', 'default', 'held', {
      ...cur,
      metadata: { ...(cur.metadata as object), finalizers: [] },
    });
    expect(await deleting).toBe('taskrun.tekton.dev "held" deleted\n');
    await expect(kubectl('get', 'tr', 'held')).rejects.toMatchObject({
      stderr: expect.stringMatching(/NotFound|not found/),
    });
  });
});
