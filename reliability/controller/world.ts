import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { pushDemoImage } from '../../src/demo/image.ts';
import { startKube, type StartedKube } from '../../src/cli/controller/kube-mode.ts';
import * as A from '../../src/controller/annotations.ts';
import { jsonLogger } from '../../src/controller/log.ts';
import type { RunDoc } from '../../src/controller/ports.ts';
import { generateKeyPair, type KeyPair } from '../../src/keys/index.ts';
import { RegistryClient } from '../../src/registry/client.ts';
import { startRegistryServer, type RunningRegistry } from '../../src/registry/server/server.ts';
import { RekorClient } from '../../src/tlog/client/index.ts';
import { startLogServer, type RunningLogServer } from '../../src/tlog/server/index.ts';
import { verifyImageAttestations } from '../../src/verify/attestation.ts';
import { verifyImageSignatures } from '../../src/verify/image.ts';
import { tlogCheckBundle } from '../../src/verify/tlog.ts';
import {
  kubeConfigFor,
  startFakeKubeApiServer,
  type FakeKubeApiServer,
} from '../../test/fakes/kube-apiserver.ts';
import { tempDir } from '../lib/common.ts';
import { FaultProxy } from '../lib/fault-proxy.ts';

const SYS = 'tekton-chains';
export const PASSWORD = 'controller-fault-pass';

export interface World {
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

export async function setup(): Promise<World> {
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

export async function teardown(w: World): Promise<void> {
  await w.ctl.controller.stop();
  await w.kube.close();
  await w.logProxy.close();
  await w.regProxy.close();
  await w.reg.close();
  await w.log.close();
}

export const annotations = (w: World, name: string): Record<string, string> =>
  ((w.kube.store.get('taskruns', 'default', name) as RunDoc | undefined)?.metadata.annotations ??
    {}) as Record<string, string>;

/** Push an image straight to the registry; the run names it through the proxy, as the controller sees it. */
export async function newRun(
  w: World,
  tag: string,
): Promise<{ name: string; image: string; digest: string }> {
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
export async function verifyRun(w: World, r: { name: string; digest: string }): Promise<string | null> {
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
