import { createPublicKey, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { hashFor, keyAlgorithm } from '../keys/index.ts';
import type { KeyAlgorithm } from '../keys/index.ts';
import { CaError } from './errors.ts';

export type Hash = 'sha256' | 'sha384' | 'sha512' | null;

/** The requested key, classified. */
export interface RequestKey {
  key: KeyObject;
  alg: KeyAlgorithm;
  spki: Buffer;
}

const INVALID = 'The public key supplied in the request could not be parsed';
const INSECURE = 'The public key supplied in the request is insecure';

/** PEM `PUBLIC KEY`, else DER SubjectPublicKeyInfo (Fulcio challenges.ParsePublicKey). */
export function parsePublicKey(content: Buffer): KeyObject {
  if (content.length === 0) throw new CaError('CA_PUBLIC_KEY_INVALID', INVALID);
  const text = content.toString('latin1');
  try {
    if (text.includes('-----BEGIN')) {
      if (!/-----BEGIN PUBLIC KEY-----/.test(text)) throw new Error('not a PUBLIC KEY block');
      return createPublicKey({ key: text, format: 'pem' });
    }
    return createPublicKey({ key: content, format: 'der', type: 'spki' });
  } catch (e) {
    throw new CaError('CA_PUBLIC_KEY_INVALID', INVALID, { cause: e });
  }
}

/** goodkey.ValidatePubKey: ECDSA P-256/384/521, RSA of exactly 2048, 3072 or 4096 bits, Ed25519. */
export function classifyKey(key: KeyObject): RequestKey {
  let alg: KeyAlgorithm;
  try {
    alg = keyAlgorithm(key);
  } catch (e) {
    throw new CaError('CA_PUBLIC_KEY_INSECURE', INSECURE, { cause: e });
  }
  const bits = key.asymmetricKeyDetails?.modulusLength;
  if (alg === 'rsa' && bits !== 2048 && bits !== 3072 && bits !== 4096)
    throw new CaError('CA_PUBLIC_KEY_INSECURE', INSECURE);
  return { key, alg, spki: key.export({ type: 'spki', format: 'der' }) };
}

const GO_TYPE: Record<KeyAlgorithm, string> = {
  'ecdsa-p256': '*ecdsa.PublicKey',
  'ecdsa-p384': '*ecdsa.PublicKey',
  'ecdsa-p521': '*ecdsa.PublicKey',
  rsa: '*rsa.PublicKey',
  ed25519: 'ed25519.PublicKey',
};
const GO_HASH = { sha256: 'SHA-256', sha384: 'SHA-384', sha512: 'SHA-512' } as const;

/** Fulcio's default --client-signing-algorithms: P-256/SHA-256, P-384/SHA-384, P-521/SHA-512, RSA/SHA-256, Ed25519. */
export function checkPermitted(k: RequestKey, hash: Hash): void {
  if (hashFor(k.alg) === hash) return;
  throw new CaError(
    'CA_ALGORITHM_NOT_PERMITTED',
    `signing algorithm not permitted: ${GO_TYPE[k.alg]}, ${hash ? GO_HASH[hash] : 'unknown hash value 0'}`,
  );
}

/**
 * Proof of possession: a signature over the UTF-8 principal name with the key's default scheme (ECDSA with the
 * curve's hash, RSA PKCS#1 v1.5 SHA-256, pure Ed25519); https://github.com/sigstore/fulcio/blob/main/fulcio.proto.
 */
export function verifyProof(k: RequestKey, proof: Buffer, name: string): void {
  let ok = false;
  try {
    ok = proof.length > 0 && verify(hashFor(k.alg), Buffer.from(name, 'utf8'), k.key, proof);
  } catch {
    ok = false;
  }
  if (!ok) throw new CaError('CA_SIGNATURE', 'The signature supplied in the request could not be verified');
}
