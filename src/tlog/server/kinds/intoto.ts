import { z } from 'zod';
import { preAuthEncoding } from '../../../core/dsse.ts';
import { toBase64 } from '../../../core/encoding.ts';
import { EntryError } from '../errors.ts';
import { parseVerifier, verifyMessage } from '../pki.ts';
import {
  MAX_ATTESTATION,
  b64,
  hashValue,
  parse,
  parseEnvelopeText,
  sha256Hex,
  sha256Value,
  signerKeys,
  statementKeys,
} from './common.ts';
import type { Accepted } from './common.ts';

const intotoV1Schema = z.object({
  content: z.object({ envelope: z.string().min(1), hash: hashValue.optional() }),
  publicKey: z.string().min(1),
});

/** intoto 0.0.1: envelope string + one key; hash recomputed; statement kept as attestation. */
export function intotoV001(spec: unknown): Accepted {
  const s = parse(intotoV1Schema, spec, 'intoto');
  const env = parseEnvelopeText(s.content.envelope, 'intoto');
  const payload = b64(env.payload, 'intoto payload');
  const v = parseVerifier(b64(s.publicKey, 'intoto public key'), 'intoto public key');
  const pae = preAuthEncoding(env.payloadType, payload);
  if (!env.signatures.some((sg, i) => verifyMessage(v, pae, b64(sg.sig, `intoto signature ${i}`))))
    throw new EntryError(
      'intoto: no envelope signature verifies with the public key',
      undefined,
      'TLOG_SIGNATURE_INVALID',
    );
  const hash = sha256Hex(s.content.envelope);
  const payloadHash = sha256Hex(payload);
  const canonical = {
    apiVersion: '0.0.1',
    kind: 'intoto',
    spec: {
      content: {
        hash: { algorithm: 'sha256', value: hash },
        payloadHash: { algorithm: 'sha256', value: payloadHash },
      },
      publicKey: toBase64(v.canonicalPem),
    },
  };
  const searchKeys = [
    `sha256:${hash}`,
    ...signerKeys(v, 'sha256:'),
    `sha256:${payloadHash}`,
    ...statementKeys(env.payloadType, payload),
  ];
  return { canonical, searchKeys, attestation: payload.length <= MAX_ATTESTATION ? payload : null };
}

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
export function intotoV002(spec: unknown): Accepted {
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
    apiVersion: '0.0.2',
    kind: 'intoto',
    spec: {
      content: {
        envelope: { payloadType: env.payloadType, signatures: sigs.map((x) => x.out) },
        hash: s.content.hash,
        payloadHash: { algorithm: 'sha256', value: payloadHash },
      },
    },
  };
  const searchKeys = [
    ...sigs.flatMap((x) => signerKeys(x.v, 'sha256:')),
    `sha256:${payloadHash}`,
    ...statementKeys(env.payloadType, payload),
  ];
  return { canonical, searchKeys, attestation: payload.length <= MAX_ATTESTATION ? payload : null };
}
