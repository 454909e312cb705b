import { hash } from 'node:crypto';
import { encodePem } from '../core/encoding.ts';
import type { RekorBundle } from '../core/signed.ts';
import type { PublicKeyMaterial } from '../keys/index.ts';
import type { RegistryClient } from '../registry/client.ts';
import { Annotation } from '../storage/oci/layout.ts';
import { OciReader, type StoredBundle, type StoredLayer } from '../storage/oci/reader.ts';
import { checkSimpleSigningClaims, type SimpleSigning } from './claims.ts';
import { NoMatchingError, OciVerifyError } from './oci-errors.ts';
import {
  parseBundleAnnotation,
  rejectionOf,
  rekorBundleFromTlogEntries,
  resolveImage,
  type Rejection,
} from './oci-common.ts';
import { checkSignature, decodeSignature } from './signature.ts';
import { signingKeyOf, type CertificateCheck, type CheckBundle } from './tlog-hook.ts';

export interface VerifyImageOptions {
  client: RegistryClient;
  publicKey?: PublicKeyMaterial;
  /** keyless: the certificate check that yields each signature's key (instead of `publicKey`) */
  certificateCheck?: CertificateCheck;
  /** where `.sig` tags live (cosign COSIGN_REPOSITORY / Chains storage.oci.repository) */
  repository?: string;
  /** `-a key=value`: must match the payload's `optional` */
  annotations?: Record<string, string>;
  checkBundle?: CheckBundle;
}

export interface VerifiedImageSignature {
  source: 'legacy' | 'sigstore-bundle';
  /** layer digest (legacy) or referrer manifest digest (bundle) */
  id: string;
  payload: Buffer;
  claims: SimpleSigning;
  signature: string;
  bundle?: RekorBundle;
  /** the signing certificate (PEM) stored beside a keyless signature */
  certificatePem?: string;
}

export interface ImageVerification {
  repository: string;
  digest: string;
  verified: VerifiedImageSignature[];
  rejected: Rejection[];
  tlogChecked: boolean;
}

/** What the per-layer checks need (no registry access). */
export type SignatureCheckOptions = Pick<
  VerifyImageOptions,
  'publicKey' | 'certificateCheck' | 'annotations' | 'checkBundle'
>;

/** cosign's certificate and chain annotations of a layer (empty when signed with a key). */
export function layerCertificate(layer: StoredLayer): { certificatePem?: string; chainPem?: string } {
  const certificatePem = layer.annotations[Annotation.certificate];
  const chainPem = layer.annotations[Annotation.chain];
  return { ...(certificatePem ? { certificatePem } : {}), ...(chainPem ? { chainPem } : {}) };
}

/** cosign's checks for one `.sig` layer: signature annotation, signature, tlog hook, claims. */
export async function verifyImageSignatureLayer(
  layer: StoredLayer,
  digest: string,
  o: SignatureCheckOptions,
): Promise<VerifiedImageSignature> {
  const signature = layer.annotations[Annotation.signature];
  if (signature === undefined)
    throw new Error(`layer ${layer.digest} has no ${Annotation.signature} annotation`);
  const bundle = parseBundleAnnotation(layer.annotations[Annotation.bundle]);
  const cert = layerCertificate(layer);
  const publicKey = signingKeyOf(o, cert, bundle);
  checkSignature(publicKey, layer.bytes, decodeSignature(signature));
  await o.checkBundle?.(bundle, { kind: 'hashedrekord', bytes: layer.bytes, signature, publicKey });
  const claims = checkSimpleSigningClaims(layer.bytes, digest, o.annotations);
  return {
    source: 'legacy',
    id: layer.digest,
    payload: layer.bytes,
    claims,
    signature,
    ...(bundle ? { bundle } : {}),
    ...(cert.certificatePem ? { certificatePem: cert.certificatePem } : {}),
  };
}

interface MessageSignatureBundle {
  messageSignature?: { messageDigest?: { algorithm?: string; digest?: string }; signature?: string };
  verificationMaterial?: { tlogEntries?: unknown; certificate?: { rawBytes?: string } };
}

/** The leaf certificate of a v0.3 bundle (verificationMaterial.certificate), as PEM. */
export function bundleCertificate(j: { verificationMaterial?: { certificate?: { rawBytes?: string } } }): {
  certificatePem?: string;
} {
  const raw = j.verificationMaterial?.certificate?.rawBytes;
  return raw ? { certificatePem: encodePem('CERTIFICATE', Buffer.from(raw, 'base64')) } : {};
}

/** protobuf-specs HashAlgorithm names of the digests a message signature may be over. */
const NODE_HASH: Record<string, string> = { SHA2_256: 'sha256', SHA2_384: 'sha384', SHA2_512: 'sha512' };

/** The same checks for a message-signature bundle referrer (digest of the payload layer, signature, claims). */
export async function verifyImageSignatureBundle(
  b: StoredBundle,
  digest: string,
  o: SignatureCheckOptions,
): Promise<VerifiedImageSignature> {
  const j = JSON.parse(b.bundle.toString('utf8')) as MessageSignatureBundle;
  const ms = j.messageSignature;
  if (!ms?.signature || !b.payload) throw new Error('bundle has no messageSignature with a payload layer');
  const alg = NODE_HASH[ms.messageDigest?.algorithm ?? ''];
  if (!alg || ms.messageDigest?.digest !== hash(alg, b.payload, 'base64')) {
    throw new Error('bundle messageDigest does not match the payload layer');
  }
  const bundle = rekorBundleFromTlogEntries(j.verificationMaterial?.tlogEntries);
  const cert = bundleCertificate(j);
  const publicKey = signingKeyOf(o, cert, bundle);
  checkSignature(publicKey, b.payload, decodeSignature(ms.signature));
  await o.checkBundle?.(bundle, {
    kind: 'hashedrekord',
    bytes: b.payload,
    signature: ms.signature,
    publicKey,
  });
  const claims = checkSimpleSigningClaims(b.payload, digest, o.annotations);
  const base = { source: 'sigstore-bundle' as const, id: b.manifestDigest, payload: b.payload, claims };
  const certificatePem = cert.certificatePem;
  return {
    ...base,
    signature: ms.signature,
    ...(bundle ? { bundle } : {}),
    ...(certificatePem ? { certificatePem } : {}),
  };
}

/**
 * cosign verify --key: every `.sig` layer and every message-signature bundle referrer of the image is
 * checked (signature, tlog hook, claims); throws NO_SIGNATURES / NO_MATCHING_SIGNATURES when none verifies.
 */
export async function verifyImageSignatures(
  reference: string,
  o: VerifyImageOptions,
): Promise<ImageVerification> {
  const image = await resolveImage(o.client, reference);
  const reader = new OciReader(o.client, o.repository ? { repository: o.repository } : {});
  const verified: VerifiedImageSignature[] = [];
  const rejected: Rejection[] = [];
  const bundles = (await reader.bundles(image)).filter(
    (b) => b.annotations['dev.sigstore.bundle.content'] === 'message-signature',
  );
  const layers = await reader.signatures(image);
  const attempts = [
    ...bundles.map((b) => ({
      source: b.manifestDigest,
      run: () => verifyImageSignatureBundle(b, image.digest, o),
    })),
    ...layers.map((l) => ({ source: l.digest, run: () => verifyImageSignatureLayer(l, image.digest, o) })),
  ];
  for (const a of attempts) {
    try {
      verified.push(await a.run());
    } catch (e) {
      rejected.push(rejectionOf(a.source, e));
    }
  }
  if (attempts.length === 0)
    throw new OciVerifyError('NO_SIGNATURES', `no signatures found for ${image.repository}@${image.digest}`);
  if (verified.length === 0) {
    throw new NoMatchingError(
      'NO_MATCHING_SIGNATURES',
      `no matching signatures: ${rejected.map((r) => r.reason).join('; ')}`,
      rejected,
    );
  }
  return { ...image, verified, rejected, tlogChecked: o.checkBundle !== undefined };
}
