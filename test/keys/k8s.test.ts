import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPrivateKey, loadPublicKey, parseKubeRef } from '../../src/keys/index.ts';
import { kubeConfigYaml, startFakeKubeApiServer } from '../fakes/kube-apiserver.ts';
import type { FakeKubeApiServer } from '../fakes/kube-apiserver.ts';
import { chains } from './helpers.ts';

interface Secret {
  metadata: { name: string; namespace: string };
  data: Record<string, string>;
}
const b64 = (s: string | undefined): Buffer => Buffer.from(s ?? '', 'base64');

describe('generate-key-pair k8s://NS/NAME against the fake kube-apiserver', { timeout: 180_000 }, () => {
  let kube: FakeKubeApiServer;
  let dir: string;
  let kubeconfig: string;
  beforeAll(async () => {
    kube = await startFakeKubeApiServer();
    dir = mkdtempSync(join(tmpdir(), 'keys-k8s-'));
    kubeconfig = join(dir, 'kubeconfig.yaml');
    writeFileSync(kubeconfig, kubeConfigYaml(kube));
  });
  afterAll(async () => {
    await kube.close();
  });

  it('creates the Secret (cosign.key/pub/password) and writes cosign.pub locally', async () => {
    const r = await chains(
      ['generate-key-pair', '--kubeconfig', kubeconfig, 'k8s://tekton-chains/signing-secrets'],
      {
        cwd: dir,
        env: { COSIGN_PASSWORD: 'k8s-pw' },
      },
    );
    expect(r.stderr).toBe(
      'Successfully created secret signing-secrets in namespace tekton-chains\nPublic key written to cosign.pub\n',
    );
    expect(r.code).toBe(0);
    const s = kube.store.get('secrets', 'tekton-chains', 'signing-secrets') as unknown as Secret;
    expect(Object.keys(s.data).sort()).toEqual(['cosign.key', 'cosign.password', 'cosign.pub']);
    expect(b64(s.data['cosign.password']).toString()).toBe('k8s-pw');
    const key = await loadPrivateKey(b64(s.data['cosign.key']), b64(s.data['cosign.password']));
    expect(b64(s.data['cosign.pub']).toString()).toBe(key.publicKey.pem);
    expect(loadPublicKey(readFileSync(join(dir, 'cosign.pub'))).pem).toBe(key.publicKey.pem);
    expect(statSync(join(dir, 'cosign.pub')).mode & 0o777).toBe(0o600);
    const writes = kube.requests.filter((q) => q.path.endsWith('/secrets') || q.path.includes('/secrets/'));
    expect(writes.map((q) => q.method)).toEqual(['GET', 'POST']);
  });

  it('updates an existing Secret through KUBECONFIG, keeping its other data keys', async () => {
    kube.store.create('secrets', 'ns2', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'keys', namespace: 'ns2' },
      data: { 'other.txt': Buffer.from('keep me').toString('base64'), 'cosign.key': 'b2xk' },
    });
    kube.requests.length = 0;
    const r = await chains(['generate-key-pair', 'k8s://ns2/keys'], {
      cwd: dir,
      env: { COSIGN_PASSWORD: '', KUBECONFIG: kubeconfig },
    });
    expect(r.code).toBe(0);
    const s = kube.store.get('secrets', 'ns2', 'keys') as unknown as Secret;
    expect(b64(s.data['other.txt']).toString()).toBe('keep me');
    expect(s.data['cosign.password']).toBe('');
    await expect(loadPrivateKey(b64(s.data['cosign.key']), '')).resolves.toBeDefined();
    const methods = kube.requests.filter((q) => q.path.includes('/secrets')).map((q) => q.method);
    expect(methods).toEqual(['GET', 'PUT']);
  });

  it('sign-blob / verify-blob / public-key read --key k8s://NS/NAME (password from cosign.password)', async () => {
    writeFileSync(join(dir, 'blob'), 'k8s blob');
    const env = { KUBECONFIG: kubeconfig };
    const ref = 'k8s://tekton-chains/signing-secrets';
    const s = await chains(['sign-blob', '--key', ref, '--tlog-upload=false', 'blob'], { cwd: dir, env });
    expect(s.code).toBe(0);
    const v = await chains(['verify-blob', '--key', ref, '--signature', s.stdout.trim(), 'blob'], {
      cwd: dir,
      env,
    });
    expect(v).toMatchObject({ code: 0, stderr: 'Verified OK\n' });
    const p = await chains(['public-key', '--key', ref], { cwd: dir, env });
    const secret = kube.store.get('secrets', 'tekton-chains', 'signing-secrets') as unknown as Secret;
    expect(p.stdout).toBe(b64(secret.data['cosign.pub']).toString());
    const missing = await chains(
      ['sign-blob', '--key', 'k8s://tekton-chains/nope', '--tlog-upload=false', 'blob'],
      {
        cwd: dir,
        env,
      },
    );
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe('Error: secret nope not found in namespace tekton-chains [K8S_ERROR]');
  });

  it('an API error is a one-line K8S_ERROR; nothing is written locally', async () => {
    const d = mkdtempSync(join(tmpdir(), 'keys-k8s-err-'));
    kube.inject({
      method: 'POST',
      path: '/secrets',
      status: 403,
      reason: 'Forbidden',
      message: 'secrets is forbidden',
      times: 1,
    });
    const r = await chains(['generate-key-pair', '--kubeconfig', kubeconfig, 'k8s://ns3/x'], {
      cwd: d,
      env: { COSIGN_PASSWORD: 'x' },
    });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/^Error: creating secret: .*forbidden.* \[K8S_ERROR\]$/);
    expect(() => statSync(join(d, 'cosign.pub'))).toThrow();
  });

  it("rejects a malformed reference with cosign's message", () => {
    expect(() => parseKubeRef('k8s://only-one')).toThrow(
      'kubernetes specification should be in the format k8s://<namespace>/<secret>',
    );
    expect(() => parseKubeRef('k8s://a/b/c')).toThrow(expect.objectContaining({ code: 'INVALID_K8S_REF' }));
    expect(parseKubeRef('k8s://a/b')).toEqual({ namespace: 'a', name: 'b' });
  });
});
