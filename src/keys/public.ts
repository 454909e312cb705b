import { createPublicKey, X509Certificate } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { decodePemAll, encodePem } from '../core/encoding.ts';
import { hasNamedCurve, keyAlgorithm } from './algorithm.ts';
import type { KeyAlgorithm } from './algorithm.ts';
import { KeyError } from './errors.ts';

/** A verified-usable public key: the KeyObject, its canonical PKIX PEM and algorithm. */
export interface PublicKeyMaterial {
  key: KeyObject;
  /** cryptoutils.MarshalPublicKeyToPEM form: `PUBLIC KEY`, 64-column base64, trailing newline (https://github.com/sigstore/cosign/blob/main/pkg/cosign/keys.go). */
  pem: string;
  /** SubjectPublicKeyInfo DER. */
  der: Buffer;
  algorithm: KeyAlgorithm;
}

/** Wrap a public (or private) KeyObject as PublicKeyMaterial, applying the key-strength rules. */
export function publicKeyMaterial(key: KeyObject): PublicKeyMaterial {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  const algorithm = keyAlgorithm(pub);
  const der = pub.export({ type: 'spki', format: 'der' });
  if (pub.asymmetricKeyType === 'ec' && !hasNamedCurve(der))
    throw new KeyError('EXPLICIT_CURVE_PARAMS', 'x509: invalid ECDSA parameters (explicit curve parameters)');
  return { key: pub, pem: encodePem('PUBLIC KEY', der), der, algorithm };
}

/**
 * Load a `PUBLIC KEY` PEM (PKIX), or the public key of a `CERTIFICATE` PEM (first block).
 * cosign's LoadPublicKey / cryptoutils.UnmarshalPEMToPublicKey.
 */
export function loadPublicKey(pemText: string | Uint8Array): PublicKeyMaterial {
  const text = typeof pemText === 'string' ? pemText : Buffer.from(pemText).toString('utf8');
  let blocks;
  try {
    blocks = decodePemAll(text);
  } catch (e) {
    throw new KeyError('INVALID_PUBLIC_KEY', 'PEM decoding failed', { cause: e });
  }
  const block = blocks[0];
  if (!block) throw new KeyError('INVALID_PUBLIC_KEY', 'PEM decoding failed: no PEM block found');
  let key: KeyObject;
  try {
    if (block.type === 'PUBLIC KEY') {
      key = createPublicKey({ key: block.bytes, format: 'der', type: 'spki' });
    } else if (block.type === 'CERTIFICATE') {
      key = new X509Certificate(block.bytes).publicKey;
    } else {
      throw new KeyError('UNSUPPORTED_PEM_TYPE', `unknown Public key PEM file type: ${block.type}`);
    }
  } catch (e) {
    if (e instanceof KeyError) throw e;
    throw new KeyError('INVALID_PUBLIC_KEY', `invalid ${block.type}: ${(e as Error).message}`, { cause: e });
  }
  return publicKeyMaterial(key);
}
