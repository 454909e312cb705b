import type { RekorBundle } from '../core/signed.ts';
import type { PublicKeyMaterial } from '../keys/index.ts';

/**
 * What a transparency-log check sees for one stored signature or attestation: the exact layer bytes
 * (simplesigning payload, or DSSE envelope JSON — gotcha 7 in sigstore.md §0), the signature, the key.
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
