import { z } from 'zod';
import { CoreError } from './errors.ts';

// a leaf module of its own, so the CLI's option declarations can name it without loading zod
export { INTOTO_PAYLOAD_TYPE } from './payload-types.ts';

export interface DsseSignature {
  keyid: string;
  sig: string;
}

/** DSSE envelope: https://github.com/secure-systems-lab/dsse/blob/master/envelope.md */
export interface DsseEnvelope {
  payloadType: string;
  payload: string;
  signatures: DsseSignature[];
}

/** Pre-authentication encoding: "DSSEv1" SP len(type) SP type SP len(body) SP body (lengths in bytes). */
export function preAuthEncoding(payloadType: string, payload: Uint8Array): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  const head = Buffer.from(`DSSEv1 ${type.length} ${payloadType} ${payload.length} `, 'utf8');
  return Buffer.concat([head, payload]);
}

const envelopeSchema = z.object({
  payloadType: z.string().min(1),
  payload: z.string(),
  signatures: z.array(z.object({ keyid: z.string().optional().default(''), sig: z.string().min(1) })).min(1),
});

/** Parse and shape-check an envelope from untrusted JSON text or a parsed value. */
export function parseEnvelope(input: string | unknown): DsseEnvelope {
  let value: unknown = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (e) {
      throw new CoreError('INVALID_ENVELOPE', 'DSSE envelope is not valid JSON', { cause: e });
    }
  }
  const r = envelopeSchema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new CoreError(
      'INVALID_ENVELOPE',
      `invalid DSSE envelope at ${issue?.path.join('.') || '<root>'}: ${issue?.message}`,
    );
  }
  return r.data;
}
