import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pushDemoImage } from '../../../src/demo/image.ts';
import { startKube, type StartedKube } from '../../../src/cli/controller/kube-mode.ts';
import * as A from '../../../src/controller/annotations.ts';
import { finishedKanikoTaskRun } from '../../../src/demo/kaniko-run.ts';
import { silentLogger } from '../../../src/controller/log.ts';
import type { RunDoc } from '../../../src/controller/ports.ts';
import { generateKeyPair } from '../../../src/keys/index.ts';
import { credentialHelperRunner } from '../../../src/registry/cred-helper.ts';
import { dockerConfigKeychain } from '../../../src/registry/docker-config.ts';
import { staticKeychain } from '../../../src/registry/keychain.ts';
import { RegistryClient } from '../../../src/registry/client.ts';
import { OciReader } from '../../../src/storage/oci/reader.ts';
import { kubeConfigFor, startFakeKubeApiServer, type FakeKubeApiServer } from '../../fakes/kube-apiserver.ts';
import { testRegistries } from '../../setup/env.ts';

/**
 * In a cluster the controller's own docker config comes after the run's ServiceAccount secrets, as k8schain adds
 * the default keychain: a ServiceAccount without registry secrets still pushes with the controller's helper.
 */
const SYS = 'tekton-chains';
const work = mkdtempSync(join(tmpdir(), 'chains-kube-docker-'));
const b64 = (s: string): string => Buffer.from(s).toString('base64');
const r = testRegistries();
let kube: FakeKubeApiServer | undefined;
let started: StartedKube | undefined;

afterEach(async () => {
  await started?.controller.stop();
  await kube?.close();
});

function helperKeychain() {
  const bin = mkdtempSync(join(work, 'bin-'));
  const answer = `{"ServerURL":"%s","Username":"${r.user}","Secret":"${r.password}"}`;
  writeFileSync(join(bin, 'docker-credential-kubeci'), `#!/bin/sh\nprintf '${answer}' "$(cat)"\n`);
  chmodSync(join(bin, 'docker-credential-kubeci'), 0o755);
  const env = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` };
  const config = JSON.stringify({ credHelpers: { [r.auth]: 'kubeci' } });
  return dockerConfigKeychain(config, 'config.json', { helpers: credentialHelperRunner({ env }) });
}

async function signWith(
  keychain: ReturnType<typeof helperKeychain> | undefined,
): Promise<Record<string, string>> {
  kube = await startFakeKubeApiServer({ bookmarkIntervalMs: 100 });
  const pair = await generateKeyPair('kube-docker');
  const data = { 'artifacts.taskrun.storage': 'oci', 'artifacts.oci.storage': 'oci' };
  kube.store.create('configmaps', SYS, { metadata: { name: 'chains-config' }, data });
  kube.store.create('secrets', SYS, {
    metadata: { name: 'signing-secrets' },
    data: { 'cosign.key': b64(pair.privateKeyPem), 'cosign.password': b64('kube-docker') },
  });
  kube.store.create('serviceaccounts', 'default', { metadata: { name: 'builder' } });
  const push = new RegistryClient({
    keychain: staticKeychain(r.auth, { kind: 'basic', username: r.user, password: r.password }),
  });
  const image = `${r.auth}/kube-docker-${randomUUID().slice(0, 8)}`;
  const digest = await pushDemoImage(push, image, 'latest', `${image}\n`);
  started = await startKube(
    kubeConfigFor(kube),
    {
      systemNamespace: SYS,
      threads: 1,
      lease: { durationSec: 2, renewMs: 300, retryMs: 200 },
      queue: { baseDelayMs: 20, maxDelayMs: 40 },
      ...(keychain ? { keychain } : {}),
    },
    silentLogger,
  );
  const run = finishedKanikoTaskRun({
    name: 'k',
    uid: randomUUID(),
    image,
    digest,
    serviceAccountName: 'builder',
  });
  kube.store.create('taskruns', 'default', run as unknown as Record<string, unknown>);
  const end = Date.now() + 30_000;
  for (;;) {
    const a = ((kube.store.get('taskruns', 'default', 'k') as RunDoc | undefined)?.metadata.annotations ??
      {}) as Record<string, string>;
    if (a[A.SIGNED] !== undefined || Date.now() > end) {
      if (a[A.SIGNED] === 'true')
        expect(await new OciReader(push).signatures({ repository: image, digest })).toHaveLength(1);
      return a;
    }
    await new Promise((res) => setTimeout(res, 25));
  }
}

describe('kube mode: the controller process docker config after the ServiceAccount', () => {
  it('signs with the credential helper when the ServiceAccount has no registry secret', async () => {
    expect((await signWith(helperKeychain()))[A.SIGNED]).toBe('true');
  });

  it('without it the same run fails for want of credentials', async () => {
    const a = await signWith(undefined);
    expect(a[A.SIGNED]).toBe('failed');
    expect(a[A.FAILURE_REASON]).toMatch(/no credentials are configured/);
  });
});
