import { generateKeyPairSync, sign } from 'node:crypto';
import { z } from 'zod';
import type { SignerIdentity } from '../core/signed.ts';
import { digestAlgorithmFor, privateKeyMaterial, signData } from '../keys/index.ts';
import type { DigestAlgorithm, PrivateKeyMaterial, PublicKeyMaterial } from '../keys/index.ts';
import type { Signer } from '../signing/index.ts';
import { KeylessError } from './errors.ts';
import { tokenSubject } from './token.ts';

const chainSchema = z.object({ certificates: z.array(z.string()).min(1) });
// grpc-gateway JSON of Fulcio's SigningCertificate (protobuf-specs fulcio.proto): either oneof member
const answerSchema = z.union([
  z.object({ signedCertificateEmbeddedSct: z.object({ chain: chainSchema }) }),
  z.object({ signedCertificateDetachedSct: z.object({ chain: chainSchema }) }),
]);

/** The certificate chain Fulcio answered: leaf first, then the CA chain (PEM). */
export interface IssuedChain {
  certificatePem: string;
  chainPem: string;
}

async function postSigningCert(url: string, body: unknown): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(`${url.replace(/\/+$/, '')}/api/v2/signingCert`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (e) {
    throw new KeylessError('KEYLESS_FULCIO', `cannot reach Fulcio at ${url}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  const text = await res.text();
  if (res.status !== 200)
    throw new KeylessError('KEYLESS_FULCIO', `Fulcio answered ${res.status}: ${text.trim().slice(0, 500)}`);
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new KeylessError('KEYLESS_FULCIO', 'Fulcio answered something that is not JSON', { cause: e });
  }
}

/**
 * Certify `key` for the token's identity (POST /api/v2/signingCert, publicKeyRequest with the proof of
 * possession: a signature over the token's subject; fulcio.proto CreateSigningCertificateRequest).
 */
export async function requestCertificate(
  fulcioUrl: string,
  token: string,
  key: PrivateKeyMaterial,
): Promise<IssuedChain> {
  const proof = signData(key.key, key.algorithm, Buffer.from(tokenSubject(token)), false);
  const answer = answerSchema.safeParse(
    await postSigningCert(fulcioUrl, {
      credentials: { oidcIdentityToken: token },
      publicKeyRequest: {
        publicKey: { algorithm: 'ECDSA', content: key.publicKey.pem },
        proofOfPossession: proof.toString('base64'),
      },
    }),
  );
  if (!answer.success) throw new KeylessError('KEYLESS_FULCIO', 'Fulcio answer has no certificate chain');
  const d = answer.data;
  const certs = (
    'signedCertificateEmbeddedSct' in d ? d.signedCertificateEmbeddedSct : d.signedCertificateDetachedSct
  ).chain.certificates.map((c) => (c.endsWith('\n') ? c : `${c}\n`));
  return { certificatePem: certs[0] ?? '', chainPem: certs.slice(1).join('') };
}

/**
 * A signer over a short-lived ECDSA P-256 key made in memory and certified by Fulcio; it is never written
 * anywhere and is dropped with the object (cosign sign without --key).
 */
export class EphemeralSigner implements Signer {
  readonly publicKey: PublicKeyMaterial;
  readonly digestAlgorithm: DigestAlgorithm;
  readonly #material: PrivateKeyMaterial;
  #identity: SignerIdentity | undefined;

  private constructor(material: PrivateKeyMaterial) {
    this.#material = material;
    this.publicKey = material.publicKey;
    this.digestAlgorithm = digestAlgorithmFor(material.algorithm);
  }

  /** Generate the key and get its certificate. */
  static async certify(fulcioUrl: string, token: string): Promise<EphemeralSigner> {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const s = new EphemeralSigner(privateKeyMaterial(privateKey));
    const chain = await requestCertificate(fulcioUrl, token, s.#material);
    s.#identity = { kind: 'certificate', ...chain, publicKeyPem: s.publicKey.pem };
    return s;
  }

  get identity(): SignerIdentity {
    if (!this.#identity) throw new KeylessError('KEYLESS_FULCIO', 'the key has no certificate yet');
    return this.#identity;
  }

  sign(payload: Uint8Array): Promise<Buffer> {
    return Promise.resolve(sign('sha256', payload, this.#material.key));
  }

  signMessage(payload: Uint8Array): Promise<Buffer> {
    return this.sign(payload);
  }
}
