/**
 * Types shared by signing, storage, tlog and verify, so none of them imports another.
 */

/** cosign's `dev.sigstore.cosign/bundle` annotation value (Go field names, https://github.com/sigstore/cosign/blob/main/specs/SIGNATURE_SPEC.md). */
export interface RekorBundle {
  SignedEntryTimestamp: string;
  Payload: {
    body: string;
    integratedTime: number;
    logIndex: number;
    logID: string;
  };
}

/** Who signed: a public key, or a certificate (with optional chain), as PEM. */
export type SignerIdentity =
  | { kind: 'publicKey'; publicKeyPem: string }
  | { kind: 'certificate'; certificatePem: string; chainPem: string; publicKeyPem: string };

/**
 * A signed object ready to store: for `dsse`, `bytes` is the envelope JSON exactly as stored/uploaded;
 * for `simplesigning`/`raw`, `bytes` is the signed payload and `signature` the base64 signature over it.
 */
export interface SignedRecord {
  kind: 'dsse' | 'simplesigning' | 'raw';
  bytes: Buffer;
  signature: string;
  identity: SignerIdentity;
  bundle?: RekorBundle;
  /**
   * For `simplesigning`/`raw`: the digest of `bytes` the signature is over, as the log records it (hashedrekord
   * data.hash.algorithm; cosign's hash per key type). Absent means sha256.
   */
  digestAlgorithm?: 'sha256' | 'sha384' | 'sha512';
}
