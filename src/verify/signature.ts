import { ChainsError } from '../core/errors.ts';
import { verifySignature } from '../keys/index.ts';
import type { PublicKeyMaterial } from '../keys/index.ts';

/** Codes for a failed check (bad input that cannot be checked is also a failed check). */
export type VerificationErrorCode =
  'SIGNATURE_MISMATCH' | 'INVALID_SIGNATURE' | 'INVALID_ENVELOPE' | 'PAYLOAD_TYPE_MISMATCH';

export class VerificationError extends ChainsError<VerificationErrorCode> {}

/** Decode a base64 signature (cosign accepts standard base64; whitespace around it is trimmed). */
export function decodeSignature(text: string | Uint8Array): Buffer {
  const t = (typeof text === 'string' ? text : Buffer.from(text).toString('utf8')).trim();
  if (t.length === 0 || t.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(t))
    throw new VerificationError('INVALID_SIGNATURE', 'signature is not valid base64');
  const sig = Buffer.from(t, 'base64');
  // Unused trailing bits would let two texts decode to the same bytes: require the canonical text.
  if (sig.toString('base64') !== t)
    throw new VerificationError('INVALID_SIGNATURE', 'signature is not canonical base64');
  return sig;
}

/**
 * A signature as cosign verify-blob reads one (verify_blob.go base64signature/isb64): text that Go's
 * base64.StdEncoding decodes (it skips CR and LF, so line-wrapped base64 counts) is base64; anything else is
 * the raw signature bytes (DER). Surrounding whitespace is ignored; base64 must be canonical.
 */
export function signatureBytes(input: Uint8Array | string): Buffer {
  const raw = typeof input === 'string' ? Buffer.from(input, 'utf8') : Buffer.from(input);
  const text = raw
    .toString('latin1')
    .replace(/[\r\n]/g, '')
    .trim();
  if (text.length > 0 && text.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(text))
    return decodeSignature(text);
  if (raw.length === 0) throw new VerificationError('INVALID_SIGNATURE', 'signature is empty');
  return raw;
}

/** Throws SIGNATURE_MISMATCH unless `signature` is a valid signature by `publicKey` over `data`. */
export function checkSignature(publicKey: PublicKeyMaterial, data: Uint8Array, signature: Uint8Array): void {
  if (verifySignature(publicKey, data, signature)) return;
  // cosign's wording for ECDSA (sigstore ecdsa.go); a plain one for RSA and Ed25519.
  const msg = publicKey.algorithm.startsWith('ecdsa')
    ? 'invalid signature when validating ASN.1 encoded signature'
    : `invalid ${publicKey.algorithm} signature`;
  throw new VerificationError('SIGNATURE_MISMATCH', msg);
}
