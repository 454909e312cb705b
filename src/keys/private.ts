import { createPrivateKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { decodePemAll, encodePem } from '../core/encoding.ts';
import type { PemBlock } from '../core/encoding.ts';
import type { KeyAlgorithm } from './algorithm.ts';
import { decryptEnvelope, encryptEnvelope, SCRYPT_PARAMS } from './encrypted.ts';
import type { ScryptParams } from './encrypted.ts';
import { KeyError } from './errors.ts';
import { publicKeyMaterial } from './public.ts';
import type { PublicKeyMaterial } from './public.ts';

/** PEM labels (https://github.com/sigstore/cosign/blob/main/pkg/cosign/keys.go). */
export const SIGSTORE_PEM_TYPE = 'ENCRYPTED SIGSTORE PRIVATE KEY';
export const COSIGN_PEM_TYPE = 'ENCRYPTED COSIGN PRIVATE KEY';
export const PKCS8_PEM_TYPE = 'PRIVATE KEY';

/** A decrypted private key, ready to sign. Never logged or serialised unencrypted. */
export interface PrivateKeyMaterial {
  key: KeyObject;
  algorithm: KeyAlgorithm;
  publicKey: PublicKeyMaterial;
}

/** Decode the single PEM block of a key file; anything unparsable is "invalid pem block" as in cosign. */
export function decodeKeyPem(pemText: string | Uint8Array): PemBlock {
  const text = typeof pemText === 'string' ? pemText : Buffer.from(pemText).toString('utf8');
  let block: PemBlock | undefined;
  try {
    block = decodePemAll(text)[0];
  } catch (e) {
    throw new KeyError('INVALID_PRIVATE_KEY', 'invalid pem block', { cause: e });
  }
  if (!block) throw new KeyError('INVALID_PRIVATE_KEY', 'invalid pem block');
  if (Object.keys(block.headers).length > 0)
    throw new KeyError('INVALID_PRIVATE_KEY', `invalid pem block: unexpected headers in ${block.type}`);
  return block;
}

/** Parse PKCS#8 DER only (x509.ParsePKCS8PrivateKey), then apply the key-strength rules. */
export function parsePkcs8(der: Uint8Array): PrivateKeyMaterial {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' });
  } catch (e) {
    throw new KeyError(
      'NOT_PKCS8',
      'parsing private key: not a PKCS#8 private key (a SEC1 "EC PRIVATE KEY" or PKCS#1 key must be imported with import-key-pair)',
      { cause: e },
    );
  }
  return privateKeyMaterial(key);
}

export function privateKeyMaterial(key: KeyObject): PrivateKeyMaterial {
  const publicKey = publicKeyMaterial(key);
  return { key, algorithm: publicKey.algorithm, publicKey };
}

/**
 * Load a cosign private key: `ENCRYPTED SIGSTORE PRIVATE KEY` / `ENCRYPTED COSIGN PRIVATE KEY` (scrypt +
 * secretbox around PKCS#8), or a plain PKCS#8 `PRIVATE KEY` (Chains' x509.pem; the password is ignored).
 * cosign pkg/cosign/keys.go LoadPrivateKey; https://github.com/sigstore/cosign/blob/main/pkg/cosign/keys.go.
 */
export async function loadPrivateKey(
  pemText: string | Uint8Array,
  password: string | Uint8Array,
): Promise<PrivateKeyMaterial> {
  const block = decodeKeyPem(pemText);
  switch (block.type) {
    case SIGSTORE_PEM_TYPE:
    case COSIGN_PEM_TYPE:
      return parsePkcs8(await decryptEnvelope(block.bytes, password));
    case PKCS8_PEM_TYPE:
      return parsePkcs8(block.bytes);
    default:
      throw new KeyError('UNSUPPORTED_PEM_TYPE', `unsupported pem type: ${block.type}`);
  }
}

/** Encrypt a key as cosign writes it: PKCS#8 DER in an `ENCRYPTED SIGSTORE PRIVATE KEY` envelope. */
export async function encryptPrivateKey(
  key: KeyObject | PrivateKeyMaterial,
  password: string | Uint8Array,
  params: ScryptParams = SCRYPT_PARAMS.standard,
): Promise<string> {
  const obj = 'key' in key ? key.key : key;
  const der = obj.export({ type: 'pkcs8', format: 'der' });
  try {
    return encodePem(SIGSTORE_PEM_TYPE, await encryptEnvelope(der, password, params));
  } finally {
    der.fill(0);
  }
}
