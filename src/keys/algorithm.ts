import { sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
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
 * sigstore.md §1.3; cosign pkg/cosign/keys.go ImportKeyPair.
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

/** Digest cosign's default signer uses for each key type (sigstore GetDefaultPublicKeyDetails). */
export function hashFor(alg: KeyAlgorithm): 'sha256' | 'sha384' | 'sha512' | null {
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

/** Sign `data`: ECDSA ASN.1 DER, RSA PKCS#1 v1.5, or pure Ed25519. */
export function signData(privateKey: KeyObject, alg: KeyAlgorithm, data: Uint8Array): Buffer {
  return nodeSign(hashFor(alg), data, privateKey);
}

/**
 * Check `signature` over `data` with the key's default hash. Returns false for a bad or malformed
 * signature, never throws on signature bytes.
 */
export function verifySignature(
  publicKey: { key: KeyObject; algorithm: KeyAlgorithm },
  data: Uint8Array,
  signature: Uint8Array,
): boolean {
  try {
    return nodeVerify(hashFor(publicKey.algorithm), data, publicKey.key, signature);
  } catch {
    return false;
  }
}
