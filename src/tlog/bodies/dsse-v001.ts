import { z } from 'zod';
import { toBase64 } from '../../core/encoding.ts';
import { base64, decodedText, digest, hashKeys, lower } from './kind.ts';
import type { BodyKind } from './kind.ts';

/**
 * dsse 0.0.1 (https://github.com/sigstore/rekor/blob/main/pkg/types/dsse/v0.0.1/dsse_v0_0_1_schema.json): the
 * canonical branch of the schema's oneOf (signatures, envelopeHash, payloadHash; Rekor's Unmarshal requires all
 * three). Signatures are sorted by their base64 text, each with the verifier that verified it.
 */
const spec = z.object({
  signatures: z.array(z.object({ signature: base64, verifier: base64 })).min(1),
  envelopeHash: digest('sha256'),
  payloadHash: digest('sha256'),
});
export type DsseV001Spec = z.infer<typeof spec>;

export const dsseV001: BodyKind<'dsse/0.0.1', DsseV001Spec> = {
  id: 'dsse/0.0.1',
  goField: 'DSSEObj',
  spec,
  facts: (s) => {
    const signatures = s.signatures.map((x) => ({
      signature: x.signature,
      verifier: decodedText(x.verifier),
    }));
    const payloadHash = lower(s.payloadHash);
    const envelopeHash = lower(s.envelopeHash);
    return {
      payloadHash,
      envelopeHash,
      signatures,
      verifiers: signatures.map((x) => x.verifier),
      searchHashes: hashKeys(payloadHash, envelopeHash),
    };
  },
};

export interface ProposedDsse {
  apiVersion: '0.0.1';
  kind: 'dsse';
  spec: { proposedContent: { envelope: string; verifiers: string[] } };
}

/** A proposal of the envelope exactly as stored elsewhere (envelopeHash = sha256 of these bytes). */
export function proposeDsse(
  envelopeJson: Uint8Array | string,
  publicKeyPem: string | string[],
): ProposedDsse {
  const verifiers = (Array.isArray(publicKeyPem) ? publicKeyPem : [publicKeyPem]).map((p) => toBase64(p));
  const envelope =
    typeof envelopeJson === 'string' ? envelopeJson : Buffer.from(envelopeJson).toString('utf8');
  return { apiVersion: '0.0.1', kind: 'dsse', spec: { proposedContent: { envelope, verifiers } } };
}
