import { fromBase64 } from '../../core/encoding.ts';
import { ChainsError } from '../../core/errors.ts';
import { sha256Hex } from '../../core/hash.ts';
import { MediaType, parseImageManifest, type Descriptor } from '../../registry/manifest.ts';
import { repositoryName, type Repository } from '../../registry/reference.ts';
import type { RegistryClient } from '../../registry/client.ts';
import { pushBlob } from '../../registry/upload.ts';
import { OciStorageError } from './errors.ts';
import { cosignConfig, cosignManifest } from './layout.ts';

/** cosign's limit on layers in one signature image (pkg/oci/static maxLayers). */
export const MAX_LAYERS = 1000;

export interface NewLayer {
  descriptor: Descriptor;
  bytes: Buffer;
}

/** Decides whether `candidate` repeats an existing layer (default: same digest and same annotations). */
export type DuplicateCheck = (existing: Descriptor, candidate: Descriptor) => boolean | Promise<boolean>;

export const sameLayer: DuplicateCheck = (a, b) =>
  a.digest === b.digest && JSON.stringify(a.annotations ?? {}) === JSON.stringify(b.annotations ?? {});

export interface AppendResult {
  /** `registry/repo:tag@digest` of the manifest now at the tag */
  location: string;
  appended: boolean;
}

/** Raw layer descriptors of the manifest at `tag` (original key order kept), or [] when the tag is absent. */
export async function existingLayers(
  client: RegistryClient,
  repo: Repository,
  tag: string,
): Promise<Descriptor[]> {
  const m = await client.getManifestIfExists(repo, tag);
  if (!m) return [];
  parseImageManifest(m.bytes, `${repositoryName(repo)}:${tag}`);
  return (JSON.parse(m.bytes.toString('utf8')) as { layers: Descriptor[] }).layers;
}

/**
 * Read-modify-write of a `.sig`/`.att` image (https://github.com/sigstore/cosign/blob/main/specs/SIGNATURE_SPEC.md): keep earlier layers, skip a duplicate,
 * push the layer and config blobs first and the manifest last, so a failure never leaves a tag pointing
 * at missing blobs.
 */
export async function appendLayer(
  client: RegistryClient,
  repo: Repository,
  tag: string,
  layer: NewLayer,
  isDuplicate: DuplicateCheck = sameLayer,
): Promise<AppendResult> {
  const layers = await existingLayers(client, repo, tag);
  for (const l of layers) {
    if (await isDuplicate(l, layer.descriptor)) {
      return { location: `${repositoryName(repo)}:${tag}`, appended: false };
    }
  }
  if (layers.length >= MAX_LAYERS) {
    throw new OciStorageError(
      'TOO_MANY_LAYERS',
      `${repositoryName(repo)}:${tag} already has ${MAX_LAYERS} layers (cosign's maximum)`,
    );
  }
  return writeLayers(client, repo, tag, layer, [...layers, layer.descriptor]);
}

/** Push the new layer and the config, then the manifest listing `all` (the commit point). */
async function writeLayers(
  client: RegistryClient,
  repo: Repository,
  tag: string,
  layer: NewLayer,
  all: Descriptor[],
): Promise<AppendResult> {
  const config = cosignConfig(all);
  // both blobs must be in place before the manifest PUT, which is the commit point
  const configDigest = `sha256:${sha256Hex(config)}`;
  // each digest is computed once: the layer's is in its descriptor
  await Promise.all([
    pushBlob(client, repo, layer.bytes, { digest: layer.descriptor.digest }),
    pushBlob(client, repo, config, { digest: configDigest }),
  ]);
  const manifest = cosignManifest(config, all, configDigest);
  const digest = await client.putManifest(repo, tag, manifest, MediaType.ociManifest);
  return { location: `${repositoryName(repo)}:${tag}@${digest}`, appended: true };
}

export interface ReplaceResult extends AppendResult {
  /** each existing attestation in layer order: its predicate type and whether it was dropped (cosign's lines) */
  decisions: { predicateType: string; replaced: boolean }[];
}

/** The statement predicateType inside a stored DSSE attestation layer (cosign reads the payload, not the annotation). */
async function predicateTypeOf(
  client: RegistryClient,
  repo: Repository,
  tag: string,
  l: Descriptor,
): Promise<string> {
  const what = `${repositoryName(repo)}:${tag} layer ${l.digest}`;
  try {
    const envelope = JSON.parse((await client.getBlob(repo, l.digest)).toString('utf8')) as {
      payload?: unknown;
    };
    if (typeof envelope.payload !== 'string') throw new Error("no 'payload' in the envelope");
    const statement = JSON.parse(fromBase64(envelope.payload, 'payload').toString('utf8')) as {
      predicateType?: unknown;
    };
    if (typeof statement.predicateType !== 'string') throw new Error("no 'predicateType' in the statement");
    return statement.predicateType;
  } catch (e) {
    if (e instanceof ChainsError && e.code !== 'INVALID_BASE64') throw e;
    throw new OciStorageError('BAD_RECORD', `${what}: not an attestation: ${(e as Error).message}`, {
      cause: e,
    });
  }
}

/**
 * cosign attest --replace (pkg/cosign/remote ReplaceOp): the new attestation first, then every existing one whose
 * statement has another predicate type; those of `predicateType` are dropped. A duplicate of the new layer
 * leaves the tag as it is.
 */
export async function replaceLayer(
  client: RegistryClient,
  repo: Repository,
  tag: string,
  layer: NewLayer,
  predicateType: string,
  isDuplicate: DuplicateCheck = sameLayer,
): Promise<ReplaceResult> {
  const layers = await existingLayers(client, repo, tag);
  for (const l of layers) {
    if (await isDuplicate(l, layer.descriptor))
      return { location: `${repositoryName(repo)}:${tag}`, appended: false, decisions: [] };
  }
  const keep: Descriptor[] = [];
  const decisions: ReplaceResult['decisions'] = [];
  for (const l of layers) {
    const type = await predicateTypeOf(client, repo, tag, l);
    decisions.push({ predicateType: type, replaced: type === predicateType });
    if (type !== predicateType) keep.push(l);
  }
  if (keep.length + 1 > MAX_LAYERS) {
    throw new OciStorageError(
      'TOO_MANY_LAYERS',
      `${repositoryName(repo)}:${tag} already has ${MAX_LAYERS} layers (cosign's maximum)`,
    );
  }
  const res = await writeLayers(client, repo, tag, layer, [layer.descriptor, ...keep]);
  return { ...res, decisions };
}
