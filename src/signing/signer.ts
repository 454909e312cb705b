import type { SignerIdentity } from '../core/signed.ts';
import { digestAlgorithmFor, loadPrivateKey, signData } from '../keys/index.ts';
import type { DigestAlgorithm, PrivateKeyMaterial, PublicKeyMaterial } from '../keys/index.ts';

/** One role: turn payload bytes into a signature, and say who signed (public key or certificate). */
export interface Signer {
  readonly identity: SignerIdentity;
  /** The verifying key, for keyids and self-checks. */
  readonly publicKey: PublicKeyMaterial;
  /** The digest a log records for this signer's raw signatures (hashedrekord data.hash.algorithm). */
  readonly digestAlgorithm: DigestAlgorithm;
  /**
   * A raw signature as cosign makes one it logs as hashedrekord: over the key's hash (P-384 SHA-384, P-521
   * SHA-512), Ed25519ph over SHA-512 for Ed25519 (cosign GetDefaultLoadOptions).
   */
  sign(payload: Uint8Array): Promise<Buffer>;
  /**
   * A signature over a whole message: the same, but pure Ed25519 for Ed25519 keys (a DSSE PAE, which Rekor's
   * dsse and intoto types verify as pure Ed25519; a blob cosign does not log).
   */
  signMessage(payload: Uint8Array): Promise<Buffer>;
}

/**
 * A signer whose key is good only while its certificate is (keyless): holders renew it before `notAfter` and
 * `drop()` the one they replace, so no private key outlives its certificate.
 */
export interface ExpiringSigner extends Signer {
  readonly notBefore: Date;
  readonly notAfter: Date;
  drop(): void;
}

export function isExpiring(s: Signer): s is ExpiringSigner {
  return 'notAfter' in s && (s as Partial<ExpiringSigner>).notAfter instanceof Date;
}

/**
 * Signer over a cosign key file. The key is decrypted once (scrypt is deliberately slow) and the
 * KeyObject kept for every later signature.
 */
export class KeySigner implements Signer {
  readonly identity: SignerIdentity;
  readonly publicKey: PublicKeyMaterial;
  readonly digestAlgorithm: DigestAlgorithm;
  readonly #material: PrivateKeyMaterial;

  constructor(material: PrivateKeyMaterial) {
    this.#material = material;
    this.publicKey = material.publicKey;
    this.digestAlgorithm = digestAlgorithmFor(material.algorithm);
    this.identity = { kind: 'publicKey', publicKeyPem: material.publicKey.pem };
  }

  /** Decrypt `pem` (cosign envelope or plain PKCS#8) with `password` and keep the key. */
  static async fromPem(pem: string | Uint8Array, password: string | Uint8Array): Promise<KeySigner> {
    return new KeySigner(await loadPrivateKey(pem, password));
  }

  /**
   * Synchronous signature: ECDSA DER over the curve's hash, RSA PKCS#1 v1.5 SHA-256, Ed25519ph (`logged`) or
   * pure Ed25519.
   */
  signSync(payload: Uint8Array, logged = true): Buffer {
    return signData(this.#material.key, this.#material.algorithm, payload, logged);
  }

  sign(payload: Uint8Array): Promise<Buffer> {
    return settle(() => this.signSync(payload, true));
  }

  signMessage(payload: Uint8Array): Promise<Buffer> {
    return settle(() => this.signSync(payload, false));
  }
}

function settle(f: () => Buffer): Promise<Buffer> {
  try {
    return Promise.resolve(f());
  } catch (e) {
    return Promise.reject(e instanceof Error ? e : new Error(String(e)));
  }
}
