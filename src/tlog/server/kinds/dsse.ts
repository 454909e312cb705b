import { z } from 'zod';
import { preAuthEncoding } from '../../../core/dsse.ts';
import { toBase64 } from '../../../core/encoding.ts';
import { EntryError } from '../errors.ts';
import { parseVerifier, verifyMessage } from '../pki.ts';
import { b64, parse, parseEnvelopeText, sha256Hex, signerKeys, statementKeys } from './common.ts';
import type { Accepted } from './common.ts';

const dsseSchema = z.object({
  proposedContent: z.object({ envelope: z.string().min(1), verifiers: z.array(z.string().min(1)).min(1) }),
});

/** dsse 0.0.1: every signature must verify with one verifier; envelopeHash over the submitted bytes. */
export function dsse(spec: unknown): Accepted {
  if (
    spec &&
    typeof spec === 'object' &&
    ('envelopeHash' in spec || 'payloadHash' in spec || 'signatures' in spec)
  )
    throw new EntryError('dsse: only proposedContent may be set by the client');
  const s = parse(dsseSchema, spec, 'dsse');
  const env = parseEnvelopeText(s.proposedContent.envelope, 'dsse');
  const payload = b64(env.payload, 'dsse payload');
  const pae = preAuthEncoding(env.payloadType, payload);
  const verifiers = s.proposedContent.verifiers.map((p, i) =>
    parseVerifier(b64(p, `dsse verifier ${i}`), `dsse verifier ${i}`),
  );
  const sigs = env.signatures.map((sg, i) => {
    const v = verifiers.find((cand) => verifyMessage(cand, pae, b64(sg.sig, `dsse signature ${i}`)));
    if (!v) throw new EntryError(`dsse: signature ${i} does not verify with any verifier`);
    return { signature: sg.sig, verifier: toBase64(v.canonicalPem), v };
  });
  sigs.sort((a, b) => (a.signature < b.signature ? -1 : a.signature > b.signature ? 1 : 0));
  const envelopeHash = sha256Hex(s.proposedContent.envelope);
  const payloadHash = sha256Hex(payload);
  const canonical = {
    apiVersion: '0.0.1',
    kind: 'dsse',
    spec: {
      envelopeHash: { algorithm: 'sha256', value: envelopeHash },
      payloadHash: { algorithm: 'sha256', value: payloadHash },
      signatures: sigs.map(({ signature, verifier }) => ({ signature, verifier })),
    },
  };
  const searchKeys = [
    ...sigs.flatMap((x) => signerKeys(x.v, 'sha256:')),
    `sha256:${payloadHash}`,
    `sha256:${envelopeHash}`,
    ...statementKeys(env.payloadType, payload),
  ];
  return { canonical, searchKeys, attestation: null };
}
