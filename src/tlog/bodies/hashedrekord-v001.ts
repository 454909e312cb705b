import { z } from 'zod';
import { toBase64 } from '../../core/encoding.ts';
import { base64, decodedText, digest, hashKeys, lower } from './kind.ts';
import type { BodyKind } from './kind.ts';

/**
 * hashedrekord 0.0.1 (https://github.com/sigstore/rekor/blob/main/pkg/types/hashedrekord/v0.0.1/hashedrekord_v0_0_1_schema.json):
 * a signature over an artifact digest and the key or certificate that verifies it. The schema leaves the
 * signature and key optional; Rekor's validate() requires them, so a canonical body always has them.
 */
const spec = z.object({
  signature: z.object({ content: base64, publicKey: z.object({ content: base64 }) }),
  data: z.object({ hash: digest('sha256', 'sha384', 'sha512') }),
});
export type HashedRekordV001Spec = z.infer<typeof spec>;

export const hashedRekordV001: BodyKind<'hashedrekord/0.0.1', HashedRekordV001Spec> = {
  id: 'hashedrekord/0.0.1',
  goField: 'HashedRekordObj',
  spec,
  facts: (s) => {
    const verifier = decodedText(s.signature.publicKey.content);
    const payloadHash = lower(s.data.hash);
    return {
      payloadHash,
      signatures: [{ signature: s.signature.content, verifier }],
      verifiers: [verifier],
      searchHashes: hashKeys(payloadHash),
    };
  },
};

export interface ProposedHashedRekord {
  apiVersion: '0.0.1';
  kind: 'hashedrekord';
  spec: {
    data: { hash: { algorithm: string; value: string } };
    signature: { content: string; publicKey: { content: string } };
  };
}

/**
 * A proposal over an artifact digest (for a cosign image signature: the simplesigning payload's digest with
 * the key's hash: sha256, sha384 for P-384, sha512 for P-521 and Ed25519ph).
 */
export function proposeHashedRekord(
  hexDigest: string,
  signatureBase64: string,
  publicKeyPem: string,
  algorithm: 'sha256' | 'sha384' | 'sha512' = 'sha256',
): ProposedHashedRekord {
  return {
    apiVersion: '0.0.1',
    kind: 'hashedrekord',
    spec: {
      data: { hash: { algorithm, value: hexDigest.toLowerCase() } },
      signature: { content: signatureBase64, publicKey: { content: toBase64(publicKeyPem) } },
    },
  };
}
