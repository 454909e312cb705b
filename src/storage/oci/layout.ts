import { goMarshal } from '../../core/json.ts';
import { sha256Hex } from '../../core/hash.ts';
import type { RekorBundle, SignedRecord } from '../../core/signed.ts';
import { MediaType, type Descriptor, type ImageManifest } from '../../registry/manifest.ts';

/** cosign's legacy layout constants (https://github.com/sigstore/cosign/blob/main/specs/SIGNATURE_SPEC.md). */
export const SIMPLESIGNING_MEDIA_TYPE = 'application/vnd.dev.cosign.simplesigning.v1+json';
export const DSSE_MEDIA_TYPE = 'application/vnd.dsse.envelope.v1+json';
export const Annotation = {
  signature: 'dev.cosignproject.cosign/signature',
  certificate: 'dev.sigstore.cosign/certificate',
  chain: 'dev.sigstore.cosign/chain',
  bundle: 'dev.sigstore.cosign/bundle',
  predicateType: 'predicateType',
} as const;

/** `sha256:<hex>` -> `sha256-<hex>.<suffix>` (https://github.com/sigstore/cosign/blob/main/specs/SIGNATURE_SPEC.md). */
export function cosignTag(digest: string, suffix: 'sig' | 'att'): string {
  return `${digest.replace(':', '-')}.${suffix}`;
}

/** go-containerregistry `sort`ed-map annotations as Go marshals them (keys sorted). */
function sorted(a: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(a).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
}

/** The Rekor bundle annotation value: Go json.Marshal of cosign's RekorBundle (field order fixed). */
export function bundleAnnotation(b: RekorBundle): string {
  const { body, integratedTime, logIndex, logID } = b.Payload;
  return goMarshal({
    SignedEntryTimestamp: b.SignedEntryTimestamp,
    Payload: { body, integratedTime, logIndex, logID },
  });
}

/** Descriptor annotations of one legacy layer: signature (empty for attestations), cert/chain, bundle, predicateType. */
export function layerAnnotations(record: SignedRecord, predicateType?: string): Record<string, string> {
  const a: Record<string, string> = {
    [Annotation.signature]: record.kind === 'dsse' ? '' : record.signature,
  };
  if (record.identity.kind === 'certificate') {
    a[Annotation.certificate] = record.identity.certificatePem;
    a[Annotation.chain] = record.identity.chainPem;
  }
  if (record.bundle) a[Annotation.bundle] = bundleAnnotation(record.bundle);
  if (predicateType !== undefined) a[Annotation.predicateType] = predicateType;
  return sorted(a);
}

/** A layer descriptor as ggcr writes it: mediaType, size, digest, annotations. */
export function layerDescriptor(
  mediaType: string,
  bytes: Buffer,
  annotations: Record<string, string>,
): Descriptor {
  return { mediaType, size: bytes.length, digest: `sha256:${sha256Hex(bytes)}`, annotations };
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

/**
 * Config blob of cosign's signature image: ggcr's ConfigFile for empty.Image with the layers appended
 * (uncompressed, so diff_ids are the layer digests). Field order is ggcr's struct order.
 */
export function cosignConfig(layers: Descriptor[]): Buffer {
  return Buffer.from(
    goMarshal({
      architecture: '',
      created: ZERO_TIME,
      history: layers.map(() => ({ created: ZERO_TIME })),
      os: '',
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
      config: {},
    }),
  );
}

/** OCI manifest (ggcr field order: schemaVersion, mediaType, config, layers). */
export function cosignManifest(
  config: Buffer,
  layers: Descriptor[],
  configDigest = `sha256:${sha256Hex(config)}`,
): Buffer {
  const m: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: { mediaType: MediaType.ociConfig, size: config.length, digest: configDigest },
    layers,
  };
  return Buffer.from(goMarshal(m));
}
