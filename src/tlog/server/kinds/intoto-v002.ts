import { z } from 'zod';
import { preAuthEncoding } from '../../../core/dsse.ts';
import { toBase64 } from '../../../core/encoding.ts';
import { EntryError } from '../errors.ts';
import { parseVerifier, verifyMessage } from '../pki.ts';
import { MAX_ATTESTATION, b64, parse, sha256Hex, sha256Value, signerKeys, statementKeys } from './common.ts';
import type { AcceptedSpec, ServerKind } from './common.ts';

// the server side of intoto/0.0.2 (https://github.com/sigstore/rekor/blob/main/pkg/types/intoto/v0.0.2/entry.go); its body schema is in tlog/bodies

const intotoV2Schema = z.object({
  content: z.object({
    envelope: z.object({
      payloadType: z.string().min(1),
      payload: z.string().min(1),
      signatures: z
        .array(
          z.object({ keyid: z.string().optional(), sig: z.string().min(1), publicKey: z.string().min(1) }),
        )
        .min(1),
    }),
    hash: sha256Value,
    payloadHash: sha256Value.optional(),
  }),
});

/** intoto 0.0.2: double-base64 payload/signatures, one key per signature; client hash kept. */
function accept(spec: unknown): AcceptedSpec<'intoto/0.0.2'> {
  const s = parse(intotoV2Schema, spec, 'intoto');
  const env = s.content.envelope;
  const payloadB64 = b64(env.payload, 'intoto payload').toString('latin1');
  const payload = b64(payloadB64, 'intoto payload (inner)');
  const payloadHash = sha256Hex(payload);
  if (s.content.payloadHash && s.content.payloadHash.value.toLowerCase() !== payloadHash)
    throw new EntryError('intoto: payloadHash does not match the payload');
  const pae = preAuthEncoding(env.payloadType, payload);
  const sigs = env.signatures.map((sg, i) => {
    const sigB64 = b64(sg.sig, `intoto signature ${i}`);
    const pem = b64(sg.publicKey, `intoto public key ${i}`);
    const v = parseVerifier(pem, `intoto public key ${i}`);
    if (!verifyMessage(v, pae, b64(sigB64.toString('latin1'), `intoto signature ${i} (inner)`)))
      throw new EntryError(
        `intoto: signature ${i} does not verify with its public key`,
        undefined,
        'TLOG_SIGNATURE_INVALID',
      );
    const out: { keyid?: string; publicKey: string; sig: string } = {
      publicKey: toBase64(pem),
      sig: toBase64(sigB64),
    };
    if (sg.keyid) out.keyid = sg.keyid;
    return { out, v };
  });
  const canonical = {
    content: {
      envelope: { payloadType: env.payloadType, signatures: sigs.map((x) => x.out) },
      hash: s.content.hash,
      payloadHash: { algorithm: 'sha256' as const, value: payloadHash },
    },
  };
  const searchKeys = [
    ...sigs.flatMap((x) => signerKeys(x.v, 'sha256:')),
    `sha256:${payloadHash}`,
    ...statementKeys(env.payloadType, payload),
  ];
  return { spec: canonical, searchKeys, attestation: payload.length <= MAX_ATTESTATION ? payload : null };
}

export const intotoV002: ServerKind<'intoto/0.0.2'> = { id: 'intoto/0.0.2', accept };
