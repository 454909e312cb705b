import { randomUUID } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { SignedRecord } from '../../src/core/signed.ts';
import { MediaType, parseImageManifest } from '../../src/registry/manifest.ts';
import { DB_FILE } from '../../src/registry/server/layout.ts';
import type { RegistryClient } from '../../src/registry/client.ts';
import { pushBlob } from '../../src/registry/upload.ts';
import type { KeySigner } from '../../src/signing/index.ts';
import { OciStorageBackend } from '../../src/storage/oci/backend.ts';
import { Annotation, cosignTag } from '../../src/storage/oci/layout.ts';
import { verifyImageAttestations } from '../../src/verify/attestation.ts';
import { verifyImageSignatures } from '../../src/verify/image.ts';
import { tlogCheckBundle } from '../../src/verify/tlog.ts';
import { sha256Hex } from '../lib/common.ts';
import type { Artifact } from './mutate.ts';

const hex = (b: Buffer): string => b.toString('hex');

/** Change a blob's bytes where the `--dir` store keeps them: its file if it has one, else its table row. */
function alterStoredBlob(dir: string, digestHex: string, bytes: Buffer): void {
  const file = join(dir, 'blobs', 'sha256', digestHex);
  if (existsSync(file)) return writeFileSync(file, bytes);
  const db = new Database(join(dir, DB_FILE));
  try {
    const r = db
      .prepare('UPDATE kv SET value = ? WHERE key = ? AND file = 0')
      .run(bytes, `blobs/sha256/${digestHex}`);
    if (r.changes !== 1) throw new Error(`blob ${digestHex} is not in the registry store`);
  } finally {
    db.close();
  }
}

export interface OciCtx {
  client: RegistryClient;
  host: string;
  repo: { registry: string; repository: string };
  digest: string;
  logKey: string;
  signer: KeySigner;
}

export async function pushImage(client: RegistryClient, repo: OciCtx['repo']): Promise<string> {
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
        alterStoredBlob(dir, layer.digest.slice(7), b);
        try {
          return await verify();
        } finally {
          alterStoredBlob(dir, layer.digest.slice(7), layerBytes);
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

export async function ociSetup(
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
