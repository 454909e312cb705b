import { createHash, createPublicKey, sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { certificateExtensions, OID_SCT_LIST } from './cert.ts';
import { embeddedEntry, timestampedEntry } from './entry.ts';
import type { SignedEntry } from './entry.ts';
import { CtError } from './errors.ts';
import { decodeSctListExtensionValue, HASH_SHA256, SIG_ECDSA, SIG_RSA } from './sct.ts';
import type { Sct } from './sct.ts';

/** A CT log a verifier trusts: its key, its log ID and the window its SCTs may fall in (trusted root `validFor`). */
export interface CtLogKey {
  logId: Buffer;
  publicKey: KeyObject;
  validFrom?: Date;
  validUntil?: Date;
}

/** Log ID = SHA-256 of the DER SubjectPublicKeyInfo (RFC 6962 §3.2). */
export function ctLogId(publicKey: KeyObject): Buffer {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest();
}

export function ctLogKey(
  publicKey: KeyObject | string | Buffer,
  validity: Omit<CtLogKey, 'logId' | 'publicKey'> = {},
): CtLogKey {
  const key =
    typeof publicKey === 'string' || Buffer.isBuffer(publicKey)
      ? createPublicKey(
          Buffer.isBuffer(publicKey) ? { key: publicKey, format: 'der', type: 'spki' } : publicKey,
        )
      : publicKey;
  return { logId: ctLogId(key), publicKey: key, ...validity };
}

/** Sign an SCT for `entry` with the log's private key (ECDSA → DER signature, SHA-256). */
export function signSct(privateKey: KeyObject, timestamp: number, entry: SignedEntry): Sct {
  const signature = sign('sha256', timestampedEntry(timestamp, entry), privateKey);
  const signatureAlgorithm = privateKey.asymmetricKeyType === 'rsa' ? SIG_RSA : SIG_ECDSA;
  const logId = ctLogId(createPublicKey(privateKey));
  return {
    version: 0,
    logId,
    timestamp,
    extensions: Buffer.alloc(0),
    hashAlgorithm: HASH_SHA256,
    signatureAlgorithm,
    signature,
  };
}

function inWindow(k: CtLogKey, t: number): boolean {
  return (!k.validFrom || k.validFrom.getTime() <= t) && (!k.validUntil || t <= k.validUntil.getTime());
}

/** Verify one SCT over `entry` against the trusted logs; throws CT_SCT_UNKNOWN_LOG / CT_SCT_SIGNATURE. */
export function verifySct(sct: Sct, entry: SignedEntry, logs: readonly CtLogKey[]): CtLogKey {
  const candidates = logs.filter((k) => k.logId.equals(sct.logId) && inWindow(k, sct.timestamp));
  if (candidates.length === 0)
    throw new CtError(
      'CT_SCT_UNKNOWN_LOG',
      `SCT from log ${sct.logId.toString('base64')} is not trusted at its time`,
    );
  if (
    sct.hashAlgorithm !== HASH_SHA256 ||
    (sct.signatureAlgorithm !== SIG_ECDSA && sct.signatureAlgorithm !== SIG_RSA)
  )
    throw new CtError(
      'CT_SCT_SIGNATURE',
      `unsupported SCT algorithm ${sct.hashAlgorithm}/${sct.signatureAlgorithm}`,
    );
  const data = timestampedEntry(sct.timestamp, entry, sct.extensions);
  const ok = candidates.find((k) => {
    try {
      return verify('sha256', data, k.publicKey, sct.signature);
    } catch {
      return false;
    }
  });
  if (!ok) throw new CtError('CT_SCT_SIGNATURE', 'SCT signature does not verify with the log key');
  return ok;
}

/** The SCTs embedded in a DER certificate; CT_SCT_MISSING when it has none. */
export function embeddedScts(leafDer: Uint8Array): Sct[] {
  const ext = certificateExtensions(leafDer).filter((e) => e.oid === OID_SCT_LIST);
  if (ext.length === 0) throw new CtError('CT_SCT_MISSING', 'certificate has no embedded SCTs');
  if (ext.length > 1) throw new CtError('CT_SCT_INVALID', 'certificate has more than one SCT list extension');
  return decodeSctListExtensionValue((ext[0] as { value: Buffer }).value);
}

/**
 * Every SCT embedded in `leafDer` must verify against a trusted log (as sigstore-js does); returns the SCTs.
 * `issuerDer` is the certificate that signed the leaf (its SPKI makes issuer_key_hash).
 */
export function verifyEmbeddedScts(
  leafDer: Uint8Array,
  issuerDer: Uint8Array,
  logs: readonly CtLogKey[],
): Sct[] {
  const scts = embeddedScts(leafDer);
  const entry = embeddedEntry(leafDer, issuerDer);
  for (const sct of scts) verifySct(sct, entry, logs);
  return scts;
}
