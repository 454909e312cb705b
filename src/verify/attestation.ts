import { INTOTO_PAYLOAD_TYPE } from '../core/dsse.ts';
import type { RekorBundle } from '../core/signed.ts';
import { goMarshal } from '../core/json.ts';
import type { PublicKeyMaterial } from '../keys/index.ts';
import type { RegistryClient } from '../registry/client.ts';
import { Annotation } from '../storage/oci/layout.ts';
import { OciReader, type StoredBundle, type StoredLayer } from '../storage/oci/reader.ts';
import { checkStatementClaims, type Statement } from './claims.ts';
import { verifyDsse } from './dsse.ts';
import { NoMatchingError, OciVerifyError } from './oci-errors.ts';
import {
  parseBundleAnnotation,
  rejectionOf,
  rekorBundleFromTlogEntries,
  resolveImage,
  type Rejection,
} from './oci-common.ts';
import {
  signingKeyOf,
  type CertificateCheck,
  type CheckBundle,
  type StoredCertificate,
} from './tlog-hook.ts';
import { bundleCertificate, layerCertificate } from './image.ts';

export interface VerifyAttestationOptions {
  client: RegistryClient;
  publicKey?: PublicKeyMaterial;
  /** keyless: the certificate check that yields each attestation's key (instead of `publicKey`) */
  certificateCheck?: CertificateCheck;
  /** predicate type URI to keep (cosign --type, already mapped) */
  predicateType?: string;
  repository?: string;
  checkBundle?: CheckBundle;
}

export interface VerifiedAttestation {
  source: 'legacy' | 'sigstore-bundle';
  id: string;
  /** the DSSE envelope JSON exactly as stored (legacy) or rebuilt from the bundle */
  envelope: Buffer;
  statement: Statement;
  bundle?: RekorBundle;
}

export interface AttestationVerification {
  repository: string;
  digest: string;
  verified: VerifiedAttestation[];
  rejected: Rejection[];
  tlogChecked: boolean;
}

/** What the per-layer checks need (no registry access). */
export type AttestationCheckOptions = Pick<
  VerifyAttestationOptions,
  'publicKey' | 'certificateCheck' | 'checkBundle'
>;

/** Signature, tlog hook, subject claim; then the predicateType annotation must agree with the statement. */
async function checkEnvelope(
  envelope: Buffer,
  digest: string,
  bundle: RekorBundle | undefined,
  o: AttestationCheckOptions,
  cert: StoredCertificate,
): Promise<Statement> {
  const publicKey = signingKeyOf(o, cert, bundle);
  // as for .sig layers, the signature before the log entry: a changed payload fails as a bad signature
  const payload = verifyDsse(envelope, publicKey, INTOTO_PAYLOAD_TYPE);
  await o.checkBundle?.(bundle, { kind: 'dsse', bytes: envelope, signature: '', publicKey });
  return checkStatementClaims(payload, digest);
}

/** cosign's per-layer checks for one `.att` layer against the image digest. */
export async function verifyAttestationLayer(
  layer: StoredLayer,
  digest: string,
  o: AttestationCheckOptions,
): Promise<VerifiedAttestation> {
  // cosign's Base64Signature() errors when the annotation is absent, rejecting the layer (https://github.com/sigstore/cosign/blob/main/specs/ATTESTATION_SPEC.md)
  if (layer.annotations[Annotation.signature] === undefined)
    throw new Error(`layer ${layer.digest} has no ${Annotation.signature} annotation`);
  const bundle = parseBundleAnnotation(layer.annotations[Annotation.bundle]);
  const statement = await checkEnvelope(layer.bytes, digest, bundle, o, layerCertificate(layer));
  const declared = layer.annotations[Annotation.predicateType];
  if (declared !== undefined && declared !== statement.predicateType) {
    throw new Error(
      `layer ${layer.digest} annotation predicateType ${declared} differs from the statement's ${statement.predicateType}`,
    );
  }
  return {
    source: 'legacy',
    id: layer.digest,
    envelope: layer.bytes,
    statement,
    ...(bundle ? { bundle } : {}),
  };
}

interface DsseBundle {
  dsseEnvelope?: { payload: string; payloadType: string; signatures: { sig: string; keyid?: string }[] };
  verificationMaterial?: { tlogEntries?: unknown; certificate?: { rawBytes?: string } };
}

/** The same checks for a DSSE sigstore bundle (our v0.3 referrers, or a bundle cosign wrote). */
export async function verifyAttestationBundle(
  b: StoredBundle,
  digest: string,
  o: AttestationCheckOptions,
): Promise<VerifiedAttestation> {
  const j = JSON.parse(b.bundle.toString('utf8')) as DsseBundle;
  if (!j.dsseEnvelope) throw new Error('bundle has no dsseEnvelope');
  const e = j.dsseEnvelope;
  const envelope = Buffer.from(
    goMarshal({
      payloadType: e.payloadType,
      payload: e.payload,
      signatures: e.signatures.map((s) => ({ keyid: s.keyid ?? '', sig: s.sig })),
    }),
  );
  const bundle = rekorBundleFromTlogEntries(j.verificationMaterial?.tlogEntries);
  const statement = await checkEnvelope(envelope, digest, bundle, o, bundleCertificate(j));
  return {
    source: 'sigstore-bundle',
    id: b.manifestDigest,
    envelope,
    statement,
    ...(bundle ? { bundle } : {}),
  };
}

/**
 * cosign verify-attestation --key [--type]: checks each `.att` layer and DSSE bundle referrer; keeps those
 * whose predicate type matches. Throws NO_ATTESTATIONS, NO_MATCHING_ATTESTATIONS or PREDICATE_TYPE_MISMATCH.
 */
export async function verifyImageAttestations(
  reference: string,
  o: VerifyAttestationOptions,
): Promise<AttestationVerification> {
  const image = await resolveImage(o.client, reference);
  const reader = new OciReader(o.client, o.repository ? { repository: o.repository } : {});
  const bundles = (await reader.bundles(image)).filter(
    (b) => b.annotations['dev.sigstore.bundle.content'] === 'dsse-envelope',
  );
  const attempts = [
    ...bundles.map((b) => ({
      source: b.manifestDigest,
      run: () => verifyAttestationBundle(b, image.digest, o),
    })),
    ...(await reader.attestations(image)).map((l) => ({
      source: l.digest,
      run: () => verifyAttestationLayer(l, image.digest, o),
    })),
  ];
  if (attempts.length === 0)
    throw new OciVerifyError(
      'NO_ATTESTATIONS',
      `no attestations found for ${image.repository}@${image.digest}`,
    );
  const good: VerifiedAttestation[] = [];
  const rejected: Rejection[] = [];
  for (const a of attempts) {
    try {
      good.push(await a.run());
    } catch (e) {
      rejected.push(rejectionOf(a.source, e));
    }
  }
  if (good.length === 0) {
    throw new NoMatchingError(
      'NO_MATCHING_ATTESTATIONS',
      `no matching attestations: ${rejected.map((r) => r.reason).join('; ')}`,
      rejected,
    );
  }
  const verified = o.predicateType ? good.filter((v) => v.statement.predicateType === o.predicateType) : good;
  if (verified.length === 0) {
    const found = [...new Set(good.map((v) => v.statement.predicateType))].join(', ');
    throw new OciVerifyError(
      'PREDICATE_TYPE_MISMATCH',
      `none of the attestations matched the predicate type: ${o.predicateType}, found: ${found}`,
    );
  }
  return { ...image, verified, rejected, tlogChecked: o.checkBundle !== undefined };
}

/** cosign's `--type` filter: keep matching attestations, or fail listing the types found. */
export function filterPredicateType(
  good: VerifiedAttestation[],
  predicateType: string | undefined,
): VerifiedAttestation[] {
  if (!predicateType) return good;
  const verified = good.filter((v) => v.statement.predicateType === predicateType);
  if (verified.length > 0) return verified;
  const found = [...new Set(good.map((v) => v.statement.predicateType))].join(', ');
  throw new OciVerifyError(
    'PREDICATE_TYPE_MISMATCH',
    `none of the attestations matched the predicate type: ${predicateType}, found: ${found}`,
  );
}
