import type { KeyObject } from 'node:crypto';
import { KeyError } from './errors.ts';

/**
 * Signing algorithms by the names sigstore services use on their command lines (sigstore pkg/signature
 * algorithm_registry.go, supportedAlgorithms flagValue): a key kind and the hash of what is signed. Pure
 * Ed25519 hashes nothing itself ('none'); a hashedrekord entry always names a hash, so it never matches there.
 */
export const SIGNING_ALGORITHMS = {
  'rsa-sign-pkcs1-2048-sha256': { key: 'rsa-2048', hash: 'sha256' },
  'rsa-sign-pkcs1-3072-sha256': { key: 'rsa-3072', hash: 'sha256' },
  'rsa-sign-pkcs1-4096-sha256': { key: 'rsa-4096', hash: 'sha256' },
  'rsa-sign-pss-2048-sha256': { key: 'rsa-2048', hash: 'sha256' },
  'rsa-sign-pss-3072-sha256': { key: 'rsa-3072', hash: 'sha256' },
  'rsa-sign-pss-4096-sha256': { key: 'rsa-4096', hash: 'sha256' },
  'ecdsa-sha2-256-nistp256': { key: 'ecdsa-p256', hash: 'sha256' },
  'ecdsa-sha2-384-nistp384': { key: 'ecdsa-p384', hash: 'sha384' },
  'ecdsa-sha2-256-nistp384': { key: 'ecdsa-p384', hash: 'sha256' },
  'ecdsa-sha2-512-nistp521': { key: 'ecdsa-p521', hash: 'sha512' },
  'ecdsa-sha2-256-nistp521': { key: 'ecdsa-p521', hash: 'sha256' },
  ed25519: { key: 'ed25519', hash: 'none' },
  'ed25519-ph': { key: 'ed25519', hash: 'sha512' },
} as const;

export type SigningAlgorithmName = keyof typeof SIGNING_ALGORITHMS;
export type PolicyKeyKind = (typeof SIGNING_ALGORITHMS)[SigningAlgorithmName]['key'];
export type PolicyHash = 'sha256' | 'sha384' | 'sha512' | 'none';

/** Rekor's default `--client-signing-algorithms` (rekor pkg/api/api.go AllowedClientSigningAlgorithms), sorted. */
export const DEFAULT_CLIENT_SIGNING_ALGORITHMS: readonly SigningAlgorithmName[] = [
  'ecdsa-sha2-256-nistp256',
  'ecdsa-sha2-384-nistp384',
  'ecdsa-sha2-512-nistp521',
  'ed25519',
  'ed25519-ph',
  'rsa-sign-pkcs1-2048-sha256',
  'rsa-sign-pkcs1-3072-sha256',
  'rsa-sign-pkcs1-4096-sha256',
];

/** A flag value as sigstore parses it (ParseSignatureAlgorithmFlag), with its wording on failure. */
export function parseSigningAlgorithm(flag: string): SigningAlgorithmName {
  if (Object.hasOwn(SIGNING_ALGORITHMS, flag)) return flag as SigningAlgorithmName;
  throw new KeyError(
    'UNSUPPORTED_SIGNING_ALGORITHM',
    `parsing signature algorithm flag: could not find matching signature algorithm for flag: ${flag}`,
  );
}

const CURVE_KIND: Record<string, PolicyKeyKind> = {
  prime256v1: 'ecdsa-p256',
  secp384r1: 'ecdsa-p384',
  secp521r1: 'ecdsa-p521',
};

/** The policy kind of a public key (RSA by modulus size, EC by curve); null for anything else. */
export function policyKeyKind(key: KeyObject): PolicyKeyKind | null {
  const d = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'rsa': {
      const k = `rsa-${d.modulusLength ?? 0}`;
      return k === 'rsa-2048' || k === 'rsa-3072' || k === 'rsa-4096' ? k : null;
    }
    case 'ec':
      return CURVE_KIND[d.namedCurve ?? ''] ?? null;
    case 'ed25519':
      return 'ed25519';
    default:
      return null;
  }
}
