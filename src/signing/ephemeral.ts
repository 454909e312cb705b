import { generateKeyPairSync, sign, X509Certificate } from 'node:crypto';
import type { SignerIdentity } from '../core/signed.ts';
import { digestAlgorithmFor, privateKeyMaterial } from '../keys/index.ts';
import type { DigestAlgorithm, PrivateKeyMaterial, PublicKeyMaterial } from '../keys/index.ts';
import { SigningError } from './errors.ts';
import { requestCertificate } from './fulcio-client.ts';
import type { ExpiringSigner } from './signer.ts';

/**
 * A signer over a short-lived ECDSA P-256 key made in memory and certified by Fulcio (cosign sign without
 * --key). The key is never written anywhere and never outlives its certificate: a signature asked after the
 * certificate's notAfter is refused and the key dropped; `drop()` drops it earlier (a renewed certificate).
 */
export class EphemeralSigner implements ExpiringSigner {
  readonly publicKey: PublicKeyMaterial;
  readonly digestAlgorithm: DigestAlgorithm;
  readonly identity: SignerIdentity;
  /** the certificate's validity, from the leaf the CA answered */
  readonly notBefore: Date;
  readonly notAfter: Date;
  #material: PrivateKeyMaterial | undefined;

  private constructor(material: PrivateKeyMaterial, identity: SignerIdentity, leaf: X509Certificate) {
    this.#material = material;
    this.publicKey = material.publicKey;
    this.digestAlgorithm = digestAlgorithmFor(material.algorithm);
    this.identity = identity;
    this.notBefore = new Date(leaf.validFrom);
    this.notAfter = new Date(leaf.validTo);
  }

  /** Generate the key and get its certificate; the leaf must certify this key. */
  static async certify(fulcioUrl: string, token: string): Promise<EphemeralSigner> {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const material = privateKeyMaterial(privateKey);
    const chain = await requestCertificate(fulcioUrl, token, material);
    let leaf: X509Certificate;
    try {
      leaf = new X509Certificate(chain.certificatePem);
    } catch (e) {
      throw new SigningError('KEYLESS_FULCIO', 'Fulcio answered a certificate that does not parse', {
        cause: e,
      });
    }
    if (!leaf.publicKey.equals(material.publicKey.key))
      throw new SigningError('KEYLESS_FULCIO', 'Fulcio answered a certificate for another key');
    const identity: SignerIdentity = { kind: 'certificate', ...chain, publicKeyPem: material.publicKey.pem };
    return new EphemeralSigner(material, identity, leaf);
  }

  /** Whether the key is still held (not dropped, certificate not past notAfter at `nowMs`). */
  usable(nowMs = Date.now()): boolean {
    return this.#material !== undefined && nowMs < this.notAfter.getTime();
  }

  /** Forget the private key; every later signature is refused. */
  drop(): void {
    this.#material = undefined;
  }

  sign(payload: Uint8Array): Promise<Buffer> {
    if (!this.usable()) {
      this.drop();
      return Promise.reject(
        new SigningError(
          'KEYLESS_CERT_EXPIRED',
          `the signing certificate expired at ${this.notAfter.toISOString()}: its key is dropped`,
        ),
      );
    }
    return Promise.resolve(sign('sha256', payload, (this.#material as PrivateKeyMaterial).key));
  }

  signMessage(payload: Uint8Array): Promise<Buffer> {
    return this.sign(payload);
  }
}
