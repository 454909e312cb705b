import { hash, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { signEd25519ph, verifyEd25519ph } from './ed25519ph.ts';
import { KeyError } from './errors.ts';

/** Key algorithms cosign accepts (sigstore cryptoutils SupportedKeyDetails + Ed25519). */
export type KeyAlgorithm = 'ecdsa-p256' | 'ecdsa-p384' | 'ecdsa-p521' | 'rsa' | 'ed25519';

const CURVES: Record<string, KeyAlgorithm> = {
  prime256v1: 'ecdsa-p256',
  secp384r1: 'ecdsa-p384',
  secp521r1: 'ecdsa-p521',
};

/** Curve names as Go spells them, for messages. */
const GO_CURVE: Record<string, string> = { secp224r1: 'P-224', prime256v1: 'P-256' };

/**
 * Classify a key and apply cosign's goodkey rules (RSA 2048..4096, NIST P-256/384/521, Ed25519).
 * https://github.com/sigstore/cosign/blob/main/pkg/cosign/keys.go; cosign pkg/cosign/keys.go ImportKeyPair.
 */
export function keyAlgorithm(key: KeyObject): KeyAlgorithm {
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'ec': {
      const curve = details.namedCurve ?? 'unknown';
      const alg = CURVES[curve];
      if (alg) return alg;
      if (curve === 'secp224r1')
        throw new KeyError(
          'WEAK_KEY',
          `error validating ecdsa key: ECDSA curve ${GO_CURVE[curve]} not allowed`,
        );
      throw new KeyError('UNSUPPORTED_KEY', `error parsing ecdsa private key: unsupported curve ${curve}`);
    }
    case 'rsa': {
      const bits = details.modulusLength ?? 0;
      if (bits < 2048 || bits > 4096)
        throw new KeyError('WEAK_KEY', `error validating rsa key: key size not supported: ${bits}`);
      return 'rsa';
    }
    case 'ed25519':
      return 'ed25519';
    default:
      throw new KeyError('UNSUPPORTED_KEY', `unsupported key type: ${key.asymmetricKeyType ?? 'unknown'}`);
  }
}

/** Digests a hashedrekord entry can record (rekor hashedrekord v0.0.1 data.hash.algorithm). */
export type DigestAlgorithm = 'sha256' | 'sha384' | 'sha512';

/**
 * Hash cosign's default signer uses for each key type (sigstore GetDefaultPublicKeyDetails): P-384 SHA-384,
 * P-521 SHA-512, RSA and P-256 SHA-256; null for pure Ed25519, which hashes internally.
 */
export function hashFor(alg: KeyAlgorithm): DigestAlgorithm | null {
  switch (alg) {
    case 'ecdsa-p256':
    case 'rsa':
      return 'sha256';
    case 'ecdsa-p384':
      return 'sha384';
    case 'ecdsa-p521':
      return 'sha512';
    case 'ed25519':
      return null;
  }
}

/** The digest a logged signature by this key type is over: hashFor, and SHA-512 for Ed25519ph. */
export function digestAlgorithmFor(alg: KeyAlgorithm): DigestAlgorithm {
  return hashFor(alg) ?? 'sha512';
}

/**
 * Sign `data`: ECDSA ASN.1 DER or RSA PKCS#1 v1.5 over the key's hash; Ed25519 pure, or Ed25519ph over
 * SHA-512(data) when `ed25519ph` (cosign's default for signatures it logs as hashedrekord).
 */
export function signData(
  privateKey: KeyObject,
  alg: KeyAlgorithm,
  data: Uint8Array,
  ed25519ph = false,
): Buffer {
  if (alg === 'ed25519' && ed25519ph) return signEd25519ph(privateKey, hash('sha512', data, 'buffer'));
  return nodeSign(hashFor(alg), data, privateKey);
}

/** The raw 32-byte Ed25519 public key (the end of its SubjectPublicKeyInfo). */
function rawEd25519(der: Buffer): Buffer {
  return der.subarray(der.length - 32);
}

/**
 * Check `signature` over `data` with the key's default hash; for Ed25519 either pure Ed25519 or Ed25519ph
 * (cosign signs logged signatures as Ed25519ph, unlogged blobs and Rekor-accepted DSSE as pure Ed25519).
 * Returns false for a bad or malformed signature, never throws on signature bytes.
 */
export function verifySignature(
  publicKey: { key: KeyObject; algorithm: KeyAlgorithm; der?: Buffer },
  data: Uint8Array,
  signature: Uint8Array,
): boolean {
  try {
    if (nodeVerify(hashFor(publicKey.algorithm), data, publicKey.key, signature)) return true;
  } catch {
    return false;
  }
  if (publicKey.algorithm !== 'ed25519') return false;
  const der = publicKey.der ?? publicKey.key.export({ type: 'spki', format: 'der' });
  return verifyEd25519ph(rawEd25519(der), hash('sha512', data, 'buffer'), signature);
}

/**
 * True when an EC SubjectPublicKeyInfo names its curve (parameters are an OID). Go's x509 (and so cosign and
 * Rekor) refuses explicit curve parameters: "x509: invalid ECDSA parameters".
 */
export function hasNamedCurve(spki: Uint8Array): boolean {
  // SEQUENCE { SEQUENCE { OID ecPublicKey, parameters }, BIT STRING }
  let o = headerEnd(spki, 0);
  o = headerEnd(spki, o);
  const oidEnd = o + 2 + (spki[o + 1] ?? 0);
  return spki[o] === 0x06 && spki[oidEnd] === 0x06;
}

/** Offset just past a DER tag and length (short or long form). */
function headerEnd(b: Uint8Array, at: number): number {
  const len = b[at + 1] ?? 0;
  return at + 2 + (len & 0x80 ? len & 0x7f : 0);
}
