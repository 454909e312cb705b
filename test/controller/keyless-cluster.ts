import { X509Certificate, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleFromJSON } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { Verifier, toSignedEntity, toTrustMaterial } from '@sigstore/verify';
import { CertificateAuthority, loadCa, startCaServer, type RunningCa } from '../../src/ca/index.ts';
import { startKube, type StartedKube } from '../../src/cli/controller/kube-mode.ts';
import { silentLogger } from '../../src/controller/log.ts';
import type { RunDoc } from '../../src/controller/ports.ts';
import { decodePem } from '../../src/core/encoding.ts';
import type { RekorBundle } from '../../src/core/signed.ts';
import { finishedKanikoTaskRun } from '../../src/demo/kaniko-run.ts';
import { pushDemoImage } from '../../src/demo/image.ts';
import { TokenVerifier, singleIssuer } from '../../src/oidc/index.ts';
import { mintToken } from '../../src/oidc/issuer/index.ts';
import { RegistryClient } from '../../src/registry/client.ts';
import { staticKeychain } from '../../src/registry/keychain.ts';
import type { RunningStack } from '../../src/stack/index.ts';
import { Annotation } from '../../src/storage/oci/layout.ts';
import { OciReader, type StoredLayer } from '../../src/storage/oci/reader.ts';
import { RekorClient, toBundleTlogEntry } from '../../src/tlog/client/index.ts';
import type { TrustedRootJson } from '../../src/trustroot/index.ts';
import { kubeConfigFor, startFakeKubeApiServer, type FakeKubeApiServer } from '../fakes/kube-apiserver.ts';
import { testRegistries } from '../setup/env.ts';

/**
 * The keyless controller under test: the fake Kubernetes API server, the real registry, the stack's CT log, log
 * and OIDC issuer, and a CA over the stack's CA keys that counts the certificates it issues and the tokens it
 * was sent (and can be stopped and started again on its port).
 */

export const SYS = 'tekton-chains';
export const SA = 'tekton-chains/tekton-chains-controller';
export const SAN = 'https://kubernetes.io/namespaces/tekton-chains/serviceaccounts/tekton-chains-controller';
const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');

type Request = Parameters<CertificateAuthority['issue']>[0];

/** The stack's CA keys, counting what it issues. */
export class CountingCa extends CertificateAuthority {
  readonly tokens: string[] = [];

  override async issue(req: Request) {
    const out = await super.issue(req);
    this.tokens.push(req.token);
    return out;
  }
}

export class CaProcess {
  server: RunningCa | undefined;
  readonly authority: CountingCa;

  private constructor(
    authority: CountingCa,
    readonly port: number,
  ) {
    this.authority = authority;
  }

  /** `ctlogUrl`: another CT log than the stack's (a dead one, to see the CA refuse). */
  static async start(stack: RunningStack, leafLifetimeMs?: number, ctlogUrl?: string): Promise<CaProcess> {
    const material = await loadCa(stack.dirs.ca);
    const verifier = new TokenVerifier(
      singleIssuer({ issuerUrl: stack.urls.oidcIssuer, clientId: 'sigstore', type: 'kubernetes' }),
    );
    const authority = new CountingCa(
      material,
      verifier,
      { url: ctlogUrl ?? stack.urls.ctlog, timeoutMs: 2000 },
      leafLifetimeMs ? { leafLifetimeMs } : {},
    );
    const server = await startCaServer(authority, { addr: '127.0.0.1:0' });
    const ca = new CaProcess(authority, Number(new URL(server.url).port));
    ca.server = server;
    return ca;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get issued(): number {
    return this.authority.tokens.length;
  }

  async stop(): Promise<void> {
    await this.server?.close();
    this.server = undefined;
  }

  async resume(): Promise<void> {
    this.server ??= await startCaServer(this.authority, { addr: `127.0.0.1:${this.port}` });
  }
}

export interface KeylessCluster {
  kube: FakeKubeApiServer;
  started: StartedKube;
  tokenFile: string;
  close(): Promise<void>;
}

/** A cluster whose chains-config signs keyless with the token in `tokenFile`; no signing-secrets at all. */
export async function keylessCluster(
  stack: RunningStack,
  ca: CaProcess,
  dir: string,
  queue = { baseDelayMs: 1000, maxDelayMs: 8000 },
): Promise<KeylessCluster> {
  const kube = await startFakeKubeApiServer({ bookmarkIntervalMs: 100 });
  const tokenFile = join(dir, `oidc-token-${randomUUID().slice(0, 8)}`);
  kube.store.create('configmaps', SYS, {
    metadata: { name: 'chains-config' },
    data: {
      'artifacts.taskrun.format': 'in-toto',
      'artifacts.taskrun.storage': 'oci,tekton',
      'artifacts.oci.storage': 'oci',
      'transparency.enabled': 'true',
      'transparency.url': stack.urls.rekor,
      'signers.x509.fulcio.enabled': 'true',
      'signers.x509.fulcio.address': ca.url,
      'signers.x509.fulcio.issuer': stack.urls.oidcIssuer,
      'signers.x509.fulcio.provider': 'filesystem',
      'signers.x509.identity.token.file': tokenFile,
    },
  });
  const r = testRegistries();
  kube.store.create('secrets', 'default', {
    metadata: { name: 'regcred' },
    type: 'kubernetes.io/dockerconfigjson',
    data: {
      '.dockerconfigjson': b64(
        JSON.stringify({ auths: { [r.auth]: { auth: b64(`${r.user}:${r.password}`) } } }),
      ),
    },
  });
  kube.store.create('serviceaccounts', 'default', {
    metadata: { name: 'builder' },
    secrets: [{ name: 'regcred' }],
  });
  const started = await startKube(
    kubeConfigFor(kube),
    {
      systemNamespace: SYS,
      threads: 2,
      lease: { durationSec: 2, renewMs: 300, retryMs: 200 },
      queue,
    },
    silentLogger,
  );
  return {
    kube,
    started,
    tokenFile,
    close: async () => (await started.controller.stop(), await kube.close()),
  };
}

/** The projected token as the kubelet writes it: for the controller's service account, audience sigstore. */
export async function writeToken(stack: RunningStack, file: string, ttlSec = 600, sa = SA): Promise<string> {
  const token = await mintToken({ dir: stack.dirs.oidc, kubernetesSa: sa, ttlSec });
  writeFileSync(file, token);
  return token;
}

export function registryClient(): RegistryClient {
  const r = testRegistries();
  return new RegistryClient({
    keychain: staticKeychain(r.auth, { kind: 'basic', username: r.user, password: r.password }),
  });
}

/** A pushed image and the finished kaniko TaskRun that built it, created in the cluster. */
export async function kanikoRun(
  kube: FakeKubeApiServer,
  name: string,
): Promise<{ image: string; digest: string }> {
  const image = `${testRegistries().auth}/keyless-${randomUUID().slice(0, 8)}`;
  const digest = await pushDemoImage(registryClient(), image, 'latest', `keyless ${randomUUID()}\n`);
  const run = finishedKanikoTaskRun({
    name,
    uid: randomUUID(),
    image,
    digest,
    serviceAccountName: 'builder',
  });
  kube.store.create('taskruns', 'default', run as unknown as Record<string, unknown>);
  return { image, digest };
}

export function annotations(kube: FakeKubeApiServer, name: string): Record<string, string> {
  return ((kube.store.get('taskruns', 'default', name) as RunDoc | undefined)?.metadata.annotations ??
    {}) as Record<string, string>;
}

export async function until<T>(read: () => T, ok: (v: T) => boolean, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = read();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function attestation(image: string, digest: string): Promise<StoredLayer> {
  const [att, ...more] = await new OciReader(registryClient()).attestations({ repository: image, digest });
  if (!att || more.length)
    throw new Error(`expected one attestation layer, found ${more.length + (att ? 1 : 0)}`);
  return att;
}

export const leafOf = (layer: StoredLayer): X509Certificate =>
  new X509Certificate(layer.annotations[Annotation.certificate] ?? '');

/**
 * A Sigstore bundle v0.3 from what the controller stored, as cosign converts its legacy layout (the `.att` layer,
 * its certificate annotation and its `dev.sigstore.cosign/bundle`): the DSSE envelope, the leaf, and the log
 * entry the bundle annotation names, read back from the log for its inclusion proof. The entry's body must be the
 * one the annotation carries.
 */
export async function bundleFromStored(
  layer: StoredLayer,
  rekorUrl: string,
): Promise<Record<string, unknown>> {
  const set = JSON.parse(layer.annotations[Annotation.bundle] ?? 'null') as RekorBundle | null;
  if (!set) throw new Error('the attestation layer has no dev.sigstore.cosign/bundle annotation');
  const entry = await new RekorClient(rekorUrl).getEntryByIndex(set.Payload.logIndex);
  if (entry.body !== set.Payload.body) throw new Error('the log entry is not the one the layer names');
  const envelope = JSON.parse(layer.bytes.toString('utf8')) as Record<string, unknown>;
  return {
    mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
    verificationMaterial: {
      certificate: {
        rawBytes: decodePem(layer.annotations[Annotation.certificate] ?? '').bytes.toString('base64'),
      },
      tlogEntries: [toBundleTlogEntry(entry)],
    },
    dsseEnvelope: envelope,
  };
}

/** sigstore-js verifies a bundle against the trusted root, for the SAN (anchored, escaped) and the issuer. */
export function sigstoreJsVerify(root: TrustedRootJson, bundle: unknown, san: string, issuer: string): void {
  const verifier = new Verifier(toTrustMaterial(TrustedRoot.fromJSON(root)), {
    ctlogThreshold: 1,
    tlogThreshold: 1,
  });
  const escaped = san.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  verifier.verify(toSignedEntity(bundleFromJSON(bundle)), {
    subjectAlternativeName: `^${escaped}$`,
    extensions: { issuer },
  });
}
