import { z } from 'zod';
import { signData } from '../keys/index.ts';
import type { PrivateKeyMaterial } from '../keys/index.ts';
import { SigningError } from './errors.ts';
import { tokenSubject } from './identity-token.ts';

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
    throw new SigningError('KEYLESS_FULCIO', `cannot reach Fulcio at ${url}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  const text = await res.text();
  if (res.status !== 200)
    throw new SigningError('KEYLESS_FULCIO', `Fulcio answered ${res.status}: ${text.trim().slice(0, 500)}`);
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new SigningError('KEYLESS_FULCIO', 'Fulcio answered something that is not JSON', { cause: e });
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
  if (!answer.success) throw new SigningError('KEYLESS_FULCIO', 'Fulcio answer has no certificate chain');
  const d = answer.data;
  const certs = (
    'signedCertificateEmbeddedSct' in d ? d.signedCertificateEmbeddedSct : d.signedCertificateDetachedSct
  ).chain.certificates.map((c) => (c.endsWith('\n') ? c : `${c}\n`));
  return { certificatePem: certs[0] ?? '', chainPem: certs.slice(1).join('') };
}
