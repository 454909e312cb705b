import { createPublicKey, generateKeyPairSync, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { verifyCheckpoint } from '../../src/core/checkpoint.ts';
import { parseJson } from '../../src/core/json.ts';
import type { RekorBundle, SignedRecord } from '../../src/core/signed.ts';
import {
  SCRYPT_PARAMS,
  encryptPrivateKey,
  loadPrivateKey,
  privateKeyMaterial,
} from '../../src/keys/index.ts';
import { MediaType, parseImageManifest } from '../../src/registry/manifest.ts';
import { RegistryClient } from '../../src/registry/registry.ts';
import { startRegistryServer } from '../../src/registry/server/server.ts';
import { pushBlob } from '../../src/registry/upload.ts';
import { KeySigner, signInToto, signSimpleSigning } from '../../src/signing/index.ts';
import { OciStorageBackend } from '../../src/storage/oci/backend.ts';
import { Annotation, cosignTag } from '../../src/storage/oci/layout.ts';
import type { LogEntry, TlogEntry } from '../../src/tlog/client/index.ts';
import {
  RekorClient,
  proposeDsse,
  proposeHashedRekord,
  toCosignBundle,
} from '../../src/tlog/client/index.ts';
import { verifyLogEntry, verifySet } from '../../src/tlog/client/index.ts';
import { startLogServer } from '../../src/tlog/server/index.ts';
import { verifyImageAttestations } from '../../src/verify/attestation.ts';
import { checkSimpleSigningClaims } from '../../src/verify/claims.ts';
import { verifyDsse } from '../../src/verify/dsse.ts';
import { verifyImageSignatures } from '../../src/verify/image.ts';
import { verifyBlob } from '../../src/verify/blob.ts';
import { tlogCheckBundle, verifyRekorBundle } from '../../src/verify/tlog.ts';
import { sha256Hex, tempDir } from '../lib/common.ts';
import type { Artifact } from './mutate.ts';

/** The password of the tampered key file (also grepped for by the secrets check). */
export const KEY_PASSWORD = 'tamper-test-password-7f3a';

export interface Fixture {
  artifacts: Artifact[];
  close(): Promise<void>;
}

const hex = (b: Buffer): string => b.toString('hex');

/** Key file, DSSE envelope, simplesigning payload + signature (no servers needed). */
async function offlineArtifacts(
  signer: KeySigner,
  digest: string,
): Promise<{
  artifacts: Artifact[];
  dsse: SignedRecord;
  simple: SignedRecord;
}> {
  const material = privateKeyMaterial(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
  // scrypt N=32768 (cosign's legacy set, still accepted): the same format, half the derivation time
  const pem = await encryptPrivateKey(material, KEY_PASSWORD, SCRYPT_PARAMS.legacy);
  const statement = Buffer.from(
    JSON.stringify({
      _type: 'https://in-toto.io/Statement/v0.1',
      predicateType: 'https://slsa.dev/provenance/v0.2',
      subject: [{ name: 'registry.local/app', digest: { sha256: digest.slice(7) } }],
      predicate: { builder: { id: 'https://tekton.dev/chains/v2' }, buildType: 'tekton.dev/v1beta1/TaskRun' },
    }),
  );
  const dsse = await signInToto(signer, statement);
  const simple = await signSimpleSigning(signer, 'registry.local/app', digest);
  const pub = signer.publicKey;
  const artifacts: Artifact[] = [
    {
      name: 'key file (cosign.key)',
      bytes: Buffer.from(pem),
      verify: async (b) => hex((await loadPrivateKey(b, KEY_PASSWORD)).publicKey.der),
      concurrency: 4,
    },
    { name: 'DSSE envelope', bytes: dsse.bytes, verify: async (b) => hex(verifyDsse(b, pub)) },
    {
      name: 'simplesigning payload',
      bytes: simple.bytes,
      verify: async (b) => {
        verifyBlob(pub, b, simple.signature);
        checkSimpleSigningClaims(b, digest);
        return hex(b);
      },
    },
    {
      name: 'simplesigning signature',
      bytes: Buffer.from(simple.signature),
      verify: async (b) => {
        verifyBlob(pub, simple.bytes, b.toString('utf8'));
        return 'ok';
      },
    },
  ];
  return { artifacts, dsse, simple };
}

/** Raw JSON of an entry as the server sends it (the text a client would parse). */
async function rawEntry(url: string, uuid: string): Promise<string> {
  return (await fetch(`${url}/api/v1/log/entries/${uuid}`)).text();
}

function logArtifacts(rawDsse: string, entry: TlogEntry, dsse: SignedRecord, logKey: string): Artifact[] {
  const parsed = parseJson(rawDsse) as LogEntry;
  const [id, value] = Object.entries(parsed)[0] as [string, LogEntry[string]];
  const meaning = (e: LogEntry): string => {
    const v = verifyLogEntry(e, logKey);
    // the UUID is what SET, proof and checkpoint bind; the entry ID's tree-ID prefix is a routing label (as in Rekor)
    return `${v.uuid}|${v.value.body}|${v.value.logIndex}|${v.value.integratedTime}`;
  };
  const proof = value.verification?.inclusionProof;
  const bundle = toCosignBundle(entry);
  const expected = { envelope: dsse.bytes, publicKeyPem: dsse.identity.publicKeyPem };
  return [
    {
      name: 'log entry (GET answer)',
      bytes: Buffer.from(rawDsse),
      verify: async (b) => meaning(parseJson(b) as LogEntry),
    },
    {
      name: 'inclusion proof',
      bytes: Buffer.from(JSON.stringify(proof)),
      verify: async (b) => {
        const v = { ...value, verification: { ...value.verification, inclusionProof: parseJson(b) } };
        return meaning({ [id]: v } as LogEntry);
      },
    },
    {
      name: 'SET (signedEntryTimestamp)',
      bytes: Buffer.from(value.verification?.signedEntryTimestamp ?? ''),
      verify: async (b) => {
        verifySet(value, b.toString('utf8'), logKey);
        return 'ok';
      },
    },
    {
      name: 'checkpoint (signed note)',
      bytes: Buffer.from(proof?.checkpoint ?? ''),
      verify: async (b) => {
        const cp = verifyCheckpoint(b.toString('utf8'), createPublicKey(logKey));
        return `${cp.origin}|${cp.size}|${hex(cp.rootHash)}|${cp.extensions.join(',')}`;
      },
    },
    {
      name: 'cosign bundle (SET + payload)',
      bytes: Buffer.from(JSON.stringify(bundle)),
      verify: async (b) => JSON.stringify(verifyRekorBundle(parseJson(b) as RekorBundle, logKey, expected)),
    },
  ];
}

interface OciCtx {
  client: RegistryClient;
  host: string;
  repo: { registry: string; repository: string };
  digest: string;
  logKey: string;
  signer: KeySigner;
}

async function pushImage(client: RegistryClient, repo: OciCtx['repo']): Promise<string> {
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', id: randomUUID() }));
  const layer = Buffer.from(`layer ${randomUUID()}`);
  const desc = (mediaType: string, b: Buffer) => ({
    mediaType,
    digest: `sha256:${sha256Hex(b)}`,
    size: b.length,
  });
  await pushBlob(client, repo, config);
  await pushBlob(client, repo, layer);
  const manifest = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: desc(MediaType.ociConfig, config),
    layers: [desc('application/vnd.oci.image.layer.v1.tar', layer)],
  };
  return client.putManifest(repo, 'latest', Buffer.from(JSON.stringify(manifest)));
}

/** Replace the single layer (bytes and/or annotations) of the `.sig`/`.att` manifest, then verify as cosign. */
function ociArtifacts(
  ctx: OciCtx,
  kind: 'sig' | 'att',
  manifest: Buffer,
  layerBytes: Buffer,
  dir: string,
): Artifact[] {
  const m = parseImageManifest(manifest);
  const layer = m.layers[0];
  if (!layer) throw new Error(`.${kind} manifest has no layer`);
  const ref = `${ctx.host}/${ctx.repo.repository}@${ctx.digest}`;
  const tag = cosignTag(ctx.digest, kind);
  const check = tlogCheckBundle({ logPublicKey: ctx.logKey });
  const verify = async (): Promise<string> => {
    const o = { client: ctx.client, publicKey: ctx.signer.publicKey, checkBundle: check };
    if (kind === 'sig') {
      const r = await verifyImageSignatures(ref, o);
      return r.verified.map((v) => `${hex(v.payload)}|${v.signature}`).join(',');
    }
    const r = await verifyImageAttestations(ref, o);
    return r.verified.map((v) => `${JSON.stringify(v.statement)}`).join(',');
  };
  const republish = async (bytes: Buffer, annotations: Record<string, string>): Promise<void> => {
    await pushBlob(ctx.client, ctx.repo, bytes);
    const l = { ...layer, digest: `sha256:${sha256Hex(bytes)}`, size: bytes.length, annotations };
    await ctx.client.putManifest(ctx.repo, tag, Buffer.from(JSON.stringify({ ...m, layers: [l] })));
  };
  const out: Artifact[] = [
    {
      name: `OCI .${kind} layer (re-pushed)`,
      bytes: layerBytes,
      verify: async (b) => (await republish(b, layer.annotations ?? {}), verify()),
    },
    {
      // the registry itself serves altered bytes under the original digest (storage tampering)
      name: `OCI .${kind} layer (altered on registry disk)`,
      bytes: layerBytes,
      verify: async (b) => {
        await republish(layerBytes, layer.annotations ?? {});
        const file = join(dir, 'blobs', 'sha256', layer.digest.slice(7));
        writeFileSync(file, b);
        try {
          return await verify();
        } finally {
          writeFileSync(file, layerBytes);
        }
      },
    },
  ];
  for (const [key, value] of Object.entries(layer.annotations ?? {})) {
    if (value === '') continue;
    out.push({
      name: `OCI .${kind} annotation ${key}`,
      bytes: Buffer.from(value),
      verify: async (b) => (
        await republish(layerBytes, { ...layer.annotations, [key]: b.toString('utf8') }),
        verify()
      ),
    });
  }
  return out;
}

async function ociSetup(
  ctx: OciCtx,
  dsse: SignedRecord,
  simple: SignedRecord,
  dir: string,
): Promise<Artifact[]> {
  const backend = new OciStorageBackend({ client: ctx.client });
  const run = { kind: 'TaskRun' as const, namespace: 'default', name: 'tamper', uid: randomUUID() };
  const image = { repository: `${ctx.host}/${ctx.repo.repository}`, digest: ctx.digest };
  await backend.store({
    what: 'image-signature',
    run,
    record: simple,
    image,
    shortKey: 'x',
    format: 'simplesigning',
  });
  await backend.store({
    what: 'attestation',
    run,
    record: dsse,
    predicateType: 'https://slsa.dev/provenance/v0.2',
    subjects: [image],
    shortKey: `taskrun-${run.uid}`,
    format: 'in-toto',
  });
  const out: Artifact[] = [];
  for (const kind of ['sig', 'att'] as const) {
    const m = await ctx.client.getManifest(ctx.repo, cosignTag(ctx.digest, kind));
    const layer = parseImageManifest(m.bytes).layers[0];
    const bytes = kind === 'sig' ? simple.bytes : dsse.bytes;
    if (!layer?.annotations?.[Annotation.bundle]) throw new Error(`.${kind} layer has no bundle annotation`);
    out.push(...ociArtifacts(ctx, kind, m.bytes, bytes, dir));
  }
  return out;
}

/** Every artifact Chains produces, made by the real code paths: key, signatures, OCI layout, log answers. */
export async function buildArtifacts(): Promise<Fixture> {
  const work = tempDir('tamper');
  const signer = new KeySigner(
    privateKeyMaterial(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey),
  );
  const log = await startLogServer({ dbPath: join(work, 'log.db'), addr: '127.0.0.1:0' });
  const regDir = join(work, 'registry');
  const reg = await startRegistryServer({ addr: '127.0.0.1:0', dir: regDir });
  try {
    const client = new RegistryClient();
    const repo = { registry: reg.host, repository: 'tamper/app' };
    const digest = await pushImage(client, repo);
    const off = await offlineArtifacts(signer, digest);
    const logKey = log.publicKeyPem;
    const rekor = new RekorClient(log.url, { logPublicKey: logKey });
    const pem = signer.publicKey.pem;
    const dEntry = await rekor.createEntry(proposeDsse(off.dsse.bytes, pem));
    const sEntry = await rekor.createEntry(
      proposeHashedRekord(sha256Hex(off.simple.bytes), off.simple.signature, pem),
    );
    const dsse = { ...off.dsse, bundle: toCosignBundle(dEntry) };
    const simple = { ...off.simple, bundle: toCosignBundle(sEntry) };
    const ctx: OciCtx = { client, host: reg.host, repo, digest, logKey, signer };
    const artifacts = [
      ...off.artifacts,
      ...logArtifacts(await rawEntry(log.url, dEntry.uuid), dEntry, off.dsse, logKey),
      ...(await ociSetup(ctx, dsse, simple, regDir)),
    ];
    return { artifacts, close: async () => (await reg.close(), await log.close()) };
  } catch (e) {
    await reg.close();
    await log.close();
    throw e;
  }
}
