import { z } from 'zod';
import { parseEnvelope } from '../../core/dsse.ts';
import { toBase64 } from '../../core/encoding.ts';
import { sha256Hex } from '../../core/hash.ts';
import { base64, decodedText, digest, hashKeys, lower } from './kind.ts';
import type { BodyKind } from './kind.ts';

/**
 * intoto 0.0.2 (https://github.com/sigstore/rekor/blob/main/pkg/types/intoto/v0.0.2/intoto_v0_0_2_schema.json),
 * as committed: the envelope without its payload, each signature and public key base64 once more (the
 * envelope's own `sig` is already base64), the envelope hash and the payload hash.
 */
const spec = z.object({
  content: z.object({
    envelope: z.object({
      payloadType: z.string(),
      signatures: z.array(z.object({ keyid: z.string().optional(), sig: base64, publicKey: base64 })).min(1),
    }),
    hash: digest('sha256').optional(),
    payloadHash: digest('sha256').optional(),
  }),
});
export type IntotoV002Spec = z.infer<typeof spec>;

export const intotoV002: BodyKind<'intoto/0.0.2', IntotoV002Spec> = {
  id: 'intoto/0.0.2',
  goField: 'IntotoObj',
  spec,
  facts: (s) => {
    const hash = s.content.hash && lower(s.content.hash);
    const payloadHash = s.content.payloadHash && lower(s.content.payloadHash);
    const signatures = s.content.envelope.signatures.map((x) => ({
      signature: decodedText(x.sig),
      verifier: decodedText(x.publicKey),
    }));
    return {
      ...(payloadHash ? { payloadHash } : {}),
      ...(hash ? { envelopeHash: hash } : {}),
      signatures,
      verifiers: signatures.map((x) => x.verifier),
      // Rekor leaves the envelope hash out of the index: the client sends it, the server cannot recompute it
      searchHashes: hashKeys(payloadHash),
    };
  },
};

export interface ProposedIntotoV002 {
  apiVersion: '0.0.2';
  kind: 'intoto';
  spec: {
    content: {
      envelope: {
        payloadType: string;
        payload: string;
        signatures: { keyid?: string; sig: string; publicKey: string }[];
      };
      hash: { algorithm: string; value: string };
      payloadHash: { algorithm: string; value: string };
    };
  };
}

/** rekor-cli / sigstore-js: payload and signatures base64 once more, one public key per signature. */
export function proposeIntotoV002(envelopeJson: string, publicKeyPem: string): ProposedIntotoV002 {
  const env = parseEnvelope(envelopeJson);
  const payload = Buffer.from(env.payload, 'base64');
  return {
    apiVersion: '0.0.2',
    kind: 'intoto',
    spec: {
      content: {
        envelope: {
          payloadType: env.payloadType,
          payload: toBase64(env.payload),
          signatures: env.signatures.map((s) => ({
            ...(s.keyid ? { keyid: s.keyid } : {}),
            sig: toBase64(s.sig),
            publicKey: toBase64(publicKeyPem),
          })),
        },
        hash: { algorithm: 'sha256', value: sha256Hex(envelopeJson) },
        payloadHash: { algorithm: 'sha256', value: sha256Hex(payload) },
      },
    },
  };
}
