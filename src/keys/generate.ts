import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { KeyError } from './errors.ts';
import { decodeKeyPem, encryptPrivateKey, privateKeyMaterial } from './private.ts';
import type { PrivateKeyMaterial } from './private.ts';

/** What generate/import produce: the two files cosign writes, plus the live key. */
export interface KeyPair {
  /** `ENCRYPTED SIGSTORE PRIVATE KEY` PEM (cosign.key). */
  privateKeyPem: string;
  /** PKIX `PUBLIC KEY` PEM (cosign.pub). */
  publicKeyPem: string;
  material: PrivateKeyMaterial;
}

async function toKeyPair(material: PrivateKeyMaterial, password: string | Uint8Array): Promise<KeyPair> {
  return {
    privateKeyPem: await encryptPrivateKey(material, password),
    publicKeyPem: material.publicKey.pem,
    material,
  };
}

/** New ECDSA P-256 key, encrypted with scrypt N=65536 (cosign GenerateKeyPair). */
export async function generateKeyPair(password: string | Uint8Array): Promise<KeyPair> {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return toKeyPair(privateKeyMaterial(privateKey), password);
}

/** PEM types import-key-pair accepts (cosign ImportKeyPair). */
const IMPORT_TYPES: Record<string, 'pkcs1' | 'sec1' | 'pkcs8'> = {
  'RSA PRIVATE KEY': 'pkcs1',
  'EC PRIVATE KEY': 'sec1',
  'PRIVATE KEY': 'pkcs8',
};

/**
 * Import a plaintext PKCS#1 / SEC1 / PKCS#8 private key, check its strength (goodkey: RSA 2048..4096,
 * P-256/384/521, Ed25519) and re-wrap it as cosign does. https://github.com/sigstore/cosign/blob/main/pkg/cosign/keys.go.
 */
export async function importKeyPair(
  pemText: string | Uint8Array,
  password: string | Uint8Array,
): Promise<KeyPair> {
  const block = decodeKeyPem(pemText);
  const type = IMPORT_TYPES[block.type];
  if (!type) throw new KeyError('UNSUPPORTED_KEY', `unsupported private key: PEM type ${block.type}`);
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: block.bytes, format: 'der', type });
  } catch (e) {
    const what = type === 'sec1' ? 'ecdsa' : type === 'pkcs1' ? 'rsa' : 'pkcs8';
    throw new KeyError('INVALID_PRIVATE_KEY', `error parsing ${what} private key: ${(e as Error).message}`, {
      cause: e,
    });
  }
  return toKeyPair(importedMaterial(key, type), password);
}

/** The key's material; explicit EC curve parameters fail with cosign's parse error (Go cannot read them). */
function importedMaterial(key: KeyObject, type: 'pkcs1' | 'sec1' | 'pkcs8'): PrivateKeyMaterial {
  try {
    return privateKeyMaterial(key);
  } catch (e) {
    if (!(e instanceof KeyError && e.code === 'EXPLICIT_CURVE_PARAMS')) throw e;
    const what = type === 'sec1' ? 'error parsing ecdsa private key' : 'error parsing pkcs #8 private key';
    throw new KeyError('EXPLICIT_CURVE_PARAMS', `${what}: explicit curve parameters are not supported`, {
      cause: e,
    });
  }
}
