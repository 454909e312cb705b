import type { RekorBundle } from '../core/signed.ts';
import type { PublicKeyMaterial } from '../keys/index.ts';

/**
 * What a transparency-log check sees for one stored signature or attestation: the exact layer bytes
 * (simplesigning payload, or DSSE envelope JSON — gotcha 7 in https://docs.sigstore.dev/), the signature, the key.
 */
export interface TlogSubject {
  kind: 'hashedrekord' | 'dsse';
  bytes: Buffer;
  /** base64 signature (empty for DSSE: the signatures live in the envelope) */
  signature: string;
  publicKey: PublicKeyMaterial;
}

/**
 * Optional tlog verification hook (the log issue implements it: offline SET check when `bundle` is present,
 * online lookup otherwise). Throw to reject the layer. Absent: tlog checks are skipped (cosign
 * --insecure-ignore-tlog) and the check list says so.
 */
export type CheckBundle = (bundle: RekorBundle | undefined, subject: TlogSubject) => Promise<void>;

/** A signing certificate as stored beside a signature (cosign's certificate and chain annotations, PEM). */
export interface StoredCertificate {
  certificatePem?: string | undefined;
  chainPem?: string | undefined;
}

/**
 * Keyless verification hook: checks the certificate of one signature (chain, SCT, the log's integrated time
 * inside its validity, identity) and returns the key the signature must verify with. Throw to reject it.
 */
export type CertificateCheck = (
  cert: StoredCertificate,
  bundle: RekorBundle | undefined,
) => PublicKeyMaterial;

/** The key one signature must verify with: the certificate's when a certificate check is given, else the key. */
export function signingKeyOf(
  o: { publicKey?: PublicKeyMaterial | undefined; certificateCheck?: CertificateCheck | undefined },
  cert: StoredCertificate,
  bundle: RekorBundle | undefined,
): PublicKeyMaterial {
  if (o.certificateCheck) return o.certificateCheck(cert, bundle);
  if (!o.publicKey) throw new Error('no public key and no certificate check to verify with');
  return o.publicKey;
}
