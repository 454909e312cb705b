import type { Clock } from '../../core/clock.ts';
import { sha256Hex } from '../../core/hash.ts';
import type { SignedRecord } from '../../core/signed.ts';
import { MediaType, parseImageManifest, type Descriptor } from '../../registry/manifest.ts';
import { repositoryName, type Repository } from '../../registry/reference.ts';
import type { RegistryClient } from '../../registry/client.ts';
import { pushBlob } from '../../registry/upload.ts';
import { BUNDLE_V03_MEDIA_TYPE, COSIGN_SIGN_PREDICATE, buildBundle } from './bundle.ts';
import type { AppendResult } from './legacy.ts';
import { SIMPLESIGNING_MEDIA_TYPE } from './layout.ts';

const EMPTY = Buffer.from('{}');

const desc = (mediaType: string, bytes: Buffer): Descriptor => ({
  mediaType,
  digest: `sha256:${sha256Hex(bytes)}`,
  size: bytes.length,
});

/** Bundle layer digests already attached to `digest` (dedup by listing referrers, as Chains does). */
async function existingBundleLayers(
  client: RegistryClient,
  repo: Repository,
  digest: string,
): Promise<Set<string>> {
  const seen = new Set<string>();
  for (const d of await client.referrers(repo, digest, BUNDLE_V03_MEDIA_TYPE)) {
    const m = await client.getManifestIfExists(repo, d.digest);
    if (!m) continue;
    const first = parseImageManifest(m.bytes, `referrer ${d.digest}`).layers[0];
    if (first) seen.add(first.digest);
  }
  return seen;
}

/**
 * Push one record as an OCI 1.1 referrer holding a Sigstore bundle v0.3 (Chains' `sigstore-bundle`
 * encoding, https://github.com/sigstore/cosign/blob/main/specs/SIGNATURE_SPEC.md). Image signatures also carry the simplesigning payload as a second layer:
 * it is the artifact the bundle's messageSignature signs. Blobs first, manifest last.
 */
export async function pushBundleReferrer(
  client: RegistryClient,
  repo: Repository,
  imageDigest: string,
  record: SignedRecord,
  predicateType: string | undefined,
  clock: Clock,
): Promise<AppendResult> {
  const subjectManifest = await client.getManifest(repo, imageDigest);
  const subject = {
    mediaType: subjectManifest.mediaType,
    digest: imageDigest,
    size: subjectManifest.bytes.length,
  };
  const bundle = buildBundle(record);
  const bundleDesc = desc(BUNDLE_V03_MEDIA_TYPE, bundle);
  if ((await existingBundleLayers(client, repo, imageDigest)).has(bundleDesc.digest)) {
    return { location: `${repositoryName(repo)}@${imageDigest}`, appended: false };
  }
  const layers: { d: Descriptor; bytes: Buffer }[] = [{ d: bundleDesc, bytes: bundle }];
  if (record.kind !== 'dsse')
    layers.push({ d: desc(SIMPLESIGNING_MEDIA_TYPE, record.bytes), bytes: record.bytes });
  await Promise.all([EMPTY, ...layers.map((l) => l.bytes)].map((b) => pushBlob(client, repo, b)));
  const annotations = {
    'dev.sigstore.bundle.content': record.kind === 'dsse' ? 'dsse-envelope' : 'message-signature',
    'dev.sigstore.bundle.predicateType': predicateType ?? COSIGN_SIGN_PREDICATE,
    'org.opencontainers.image.created': clock
      .now()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z'),
  };
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      artifactType: BUNDLE_V03_MEDIA_TYPE,
      config: desc(MediaType.ociEmpty, EMPTY),
      layers: layers.map((l) => l.d),
      subject,
      annotations,
    }),
  );
  const mdesc = {
    ...desc(MediaType.ociManifest, manifest),
    artifactType: BUNDLE_V03_MEDIA_TYPE,
    annotations,
  };
  await client.putReferrer(repo, manifest, mdesc, imageDigest);
  return { location: `${repositoryName(repo)}@${mdesc.digest}`, appended: true };
}
