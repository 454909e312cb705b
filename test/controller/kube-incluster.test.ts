import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { loadKubeConfig, SERVICE_ACCOUNT_DIR } from '../../src/cli/controller/kube-mode.ts';
import { startFakeKubeApiServer, type FakeKubeApiServer } from '../fakes/kube-apiserver.ts';
import { testRegistries } from '../setup/env.ts';

/** The TLS registry's certificate (CN=localhost, SAN 127.0.0.1) doubles as the API server's serving cert. */
function servingCert(): { cert: string; key: string } {
  const ca = testRegistries().caCert;
  return { cert: readFileSync(ca, 'utf8'), key: readFileSync(join(dirname(ca), '..', 'tls.key'), 'utf8') };
}

/** A pod's service-account mount under `root`: token, ca.crt and namespace. */
function mountServiceAccount(root: string, token: string, ca: string): void {
  const dir = `${root}${SERVICE_ACCOUNT_DIR}`;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'token'), token);
  writeFileSync(join(dir, 'ca.crt'), ca);
  writeFileSync(join(dir, 'namespace'), 'tekton-chains');
}

/** Some other CA (a fresh self-signed certificate): it did not issue the server's certificate. */
function selfSigned(dir: string): string {
  const out = join(dir, 'other-ca.crt');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1'].concat([
      '-subj',
      '/CN=other-ca',
      '-keyout',
      join(dir, 'other-ca.key'),
      '-out',
      out,
    ]),
    { stdio: 'ignore' },
  );
  return readFileSync(out, 'utf8');
}

const saved = { ...process.env };
let kube: FakeKubeApiServer | undefined;
afterEach(async () => {
  for (const k of ['KUBERNETES_SERVICE_HOST', 'KUBERNETES_SERVICE_PORT', 'KUBECONFIG', 'HOME'])
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  await kube?.close();
});

describe('in-cluster kubeconfig (the Deployment in config/ runs this way)', () => {
  it('uses the mounted token and CA over HTTPS when KUBERNETES_SERVICE_HOST is set', async () => {
    const tls = servingCert();
    kube = await startFakeKubeApiServer({ token: 'pod-token', tls });
    kube.store.create('configmaps', 'tekton-chains', {
      metadata: { name: 'chains-config' },
      data: { a: 'b' },
    });
    const root = mkdtempSync(join(tmpdir(), 'chains-pod-'));
    mountServiceAccount(root, 'pod-token', tls.cert);
    const url = new URL(kube.url);
    Object.assign(process.env, { KUBERNETES_SERVICE_HOST: url.hostname, KUBERNETES_SERVICE_PORT: url.port });
    delete process.env.KUBECONFIG;
    process.env.HOME = mkdtempSync(join(tmpdir(), 'chains-home-')); // no ~/.kube/config to fall back on
    const kc = loadKubeConfig(undefined, { root });
    expect(kc.getCurrentCluster()?.server).toBe(kube.url);
    expect(kc.getContextObject(kc.getCurrentContext())?.namespace).toBe('tekton-chains');
    const cm = await kc
      .makeApiClient(CoreV1Api)
      .readNamespacedConfigMap({ namespace: 'tekton-chains', name: 'chains-config' });
    expect(cm.data).toEqual({ a: 'b' });
  });

  it('refuses an API server whose certificate the mounted CA does not sign, and a wrong token', async () => {
    const tls = servingCert();
    kube = await startFakeKubeApiServer({ token: 'pod-token', tls });
    const url = new URL(kube.url);
    Object.assign(process.env, { KUBERNETES_SERVICE_HOST: url.hostname, KUBERNETES_SERVICE_PORT: url.port });
    delete process.env.KUBECONFIG;
    const read = (root: string) =>
      loadKubeConfig(undefined, { root })
        .makeApiClient(CoreV1Api)
        .readNamespacedConfigMap({ namespace: 'tekton-chains', name: 'chains-config' });
    const otherCa = mkdtempSync(join(tmpdir(), 'chains-pod-'));
    mountServiceAccount(otherCa, 'pod-token', selfSigned(otherCa));
    await expect(read(otherCa)).rejects.toThrow(/certificate/i);
    const badToken = mkdtempSync(join(tmpdir(), 'chains-pod-'));
    mountServiceAccount(badToken, 'stolen', tls.cert);
    await expect(read(badToken)).rejects.toMatchObject({ code: 401 });
  });

  it('--kubeconfig and $KUBECONFIG win over the in-cluster identity', async () => {
    const root = mkdtempSync(join(tmpdir(), 'chains-pod-'));
    mountServiceAccount(root, 'pod-token', servingCert().cert);
    Object.assign(process.env, { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' });
    const file = join(root, 'kubeconfig');
    writeFileSync(
      file,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{name: c, cluster: {server: "https://from-file.example:6443"}}]',
        'users: [{name: u, user: {token: t}}]',
        'contexts: [{name: x, context: {cluster: c, user: u}}]',
        'current-context: x',
      ].join('\n'),
    );
    expect(loadKubeConfig(file, { root }).getCurrentCluster()?.server).toBe('https://from-file.example:6443');
    process.env.KUBECONFIG = file;
    expect(loadKubeConfig(undefined, { root }).getCurrentCluster()?.server).toBe(
      'https://from-file.example:6443',
    );
    delete process.env.KUBECONFIG;
    expect(loadKubeConfig(undefined, { root }).getCurrentCluster()?.server).toBe('https://10.0.0.1:443');
  });
});
