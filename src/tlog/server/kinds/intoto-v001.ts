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
  signerKeys,
  statementKeys,
} from './common.ts';
import type { AcceptedSpec, ServerKind } from './common.ts';

// the server side of intoto/0.0.1 (https://github.com/sigstore/rekor/blob/main/pkg/types/intoto/v0.0.1/entry.go); its body schema is in tlog/bodies

const intotoV1Schema = z.object({
  content: z.object({ envelope: z.string().min(1), hash: hashValue.optional() }),
  publicKey: z.string().min(1),
});

/** intoto 0.0.1: envelope string + one key; hash recomputed; statement kept as attestation. */
function accept(spec: unknown): AcceptedSpec<'intoto/0.0.1'> {
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
    content: {
      hash: { algorithm: 'sha256' as const, value: hash },
      payloadHash: { algorithm: 'sha256' as const, value: payloadHash },
    },
    publicKey: toBase64(v.canonicalPem),
  };
  const searchKeys = [
    `sha256:${hash}`,
    ...signerKeys(v, 'sha256:'),
    `sha256:${payloadHash}`,
    ...statementKeys(env.payloadType, payload),
  ];
  return { spec: canonical, searchKeys, attestation: payload.length <= MAX_ATTESTATION ? payload : null };
}

export const intotoV001: ServerKind<'intoto/0.0.1'> = { id: 'intoto/0.0.1', accept };
