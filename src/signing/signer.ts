import type { SignerIdentity } from '../core/signed.ts';
import { loadPrivateKey, signData } from '../keys/index.ts';
import type { PrivateKeyMaterial, PublicKeyMaterial } from '../keys/index.ts';

/** One role: turn payload bytes into a signature, and say who signed (public key or certificate). */
export interface Signer {
  readonly identity: SignerIdentity;
  /** The verifying key, for keyids and self-checks. */
  readonly publicKey: PublicKeyMaterial;
  sign(payload: Uint8Array): Promise<Buffer>;
}

/**
 * Signer over a cosign key file. The key is decrypted once (scrypt is deliberately slow) and the
 * KeyObject kept for every later signature.
 */
export class KeySigner implements Signer {
  readonly identity: SignerIdentity;
  readonly publicKey: PublicKeyMaterial;
  readonly #material: PrivateKeyMaterial;

  constructor(material: PrivateKeyMaterial) {
    this.#material = material;
    this.publicKey = material.publicKey;
    this.identity = { kind: 'publicKey', publicKeyPem: material.publicKey.pem };
  }

  /** Decrypt `pem` (cosign envelope or plain PKCS#8) with `password` and keep the key. */
  static async fromPem(pem: string | Uint8Array, password: string | Uint8Array): Promise<KeySigner> {
    return new KeySigner(await loadPrivateKey(pem, password));
  }

  /** Synchronous signature: ECDSA DER over the curve's hash, RSA PKCS#1 v1.5 SHA-256, or Ed25519. */
  signSync(payload: Uint8Array): Buffer {
    return signData(this.#material.key, this.#material.algorithm, payload);
  }

  sign(payload: Uint8Array): Promise<Buffer> {
    try {
      return Promise.resolve(this.signSync(payload));
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }
}
