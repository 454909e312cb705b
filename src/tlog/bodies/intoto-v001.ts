import { z } from 'zod';
import { toBase64 } from '../../core/encoding.ts';
import { sha256Hex } from '../../core/hash.ts';
import { base64, decodedText, digest, hashKeys, lower } from './kind.ts';
import type { BodyKind } from './kind.ts';

/**
 * intoto 0.0.1 (https://github.com/sigstore/rekor/blob/main/pkg/types/intoto/v0.0.1/intoto_v0_0_1_schema.json),
 * as committed: no envelope, its hash (required by Rekor's validate()), the payload hash (absent in old
 * entries) and the one public key. The body records no signature.
 */
const spec = z.object({
  content: z.object({ hash: digest('sha256'), payloadHash: digest('sha256').optional() }),
  publicKey: base64,
});
export type IntotoV001Spec = z.infer<typeof spec>;

export const intotoV001: BodyKind<'intoto/0.0.1', IntotoV001Spec> = {
  id: 'intoto/0.0.1',
  goField: 'IntotoObj',
  spec,
  facts: (s) => {
    const payloadHash = s.content.payloadHash && lower(s.content.payloadHash);
    const envelopeHash = lower(s.content.hash);
    return {
      ...(payloadHash ? { payloadHash } : {}),
      envelopeHash,
      signatures: [],
      verifiers: [decodedText(s.publicKey)],
      searchHashes: hashKeys(envelopeHash, payloadHash),
    };
  },
};

export interface ProposedIntotoV001 {
  apiVersion: '0.0.1';
  kind: 'intoto';
  spec: { content: { envelope: string; hash?: { algorithm: string; value: string } }; publicKey: string };
}

/** cosign v2 `attest`: the envelope text and one key; content.hash = sha256 of those bytes. */
export function proposeIntotoV001(envelopeJson: string, publicKeyPem: string): ProposedIntotoV001 {
  const hash = { algorithm: 'sha256', value: sha256Hex(envelopeJson) };
  return {
    apiVersion: '0.0.1',
    kind: 'intoto',
    spec: { content: { envelope: envelopeJson, hash }, publicKey: toBase64(publicKeyPem) },
  };
}
