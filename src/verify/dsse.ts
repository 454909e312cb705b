import { fromBase64Any } from '../core/encoding.ts';
import { parseEnvelope, preAuthEncoding } from '../core/dsse.ts';
import type { DsseEnvelope } from '../core/dsse.ts';
import { ChainsError } from '../core/errors.ts';
import { verifySignature } from '../keys/index.ts';
import type { PublicKeyMaterial } from '../keys/index.ts';
import { VerificationError } from './signature.ts';

function toEnvelope(input: DsseEnvelope | string | Uint8Array): DsseEnvelope {
  try {
    if (typeof input === 'string') return parseEnvelope(input);
    if (input instanceof Uint8Array) return parseEnvelope(Buffer.from(input).toString('utf8'));
    return parseEnvelope(input);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new VerificationError('INVALID_ENVELOPE', msg, { cause: e });
  }
}

/** Re-encode in the input's own alphabet/padding style: catches altered unused trailing bits. */
function reencode(bytes: Buffer, text: string): string {
  const url = /[-_]/.test(text);
  const out = bytes.toString(url ? 'base64url' : 'base64').replace(/=+$/, '');
  return text.endsWith('=') || (!url && text.length % 4 === 0)
    ? out.padEnd(Math.ceil(out.length / 4) * 4, '=')
    : out;
}

/** DSSE allows std/url base64, padded or not; we also insist the text is the canonical encoding. */
function decode(text: string, what: string): Buffer {
  let bytes: Buffer;
  try {
    bytes = fromBase64Any(text, what);
  } catch (e) {
    if (e instanceof ChainsError) throw new VerificationError('INVALID_ENVELOPE', e.message, { cause: e });
    throw e;
  }
  if (reencode(bytes, text) !== text)
    throw new VerificationError('INVALID_ENVELOPE', `${what} is not canonical base64`);
  return bytes;
}

/**
 * Verify a DSSE envelope with `publicKey` and return the payload bytes. Any one signature may match;
 * keyids are hints only and are ignored (DSSE protocol; https://tekton.dev/docs/chains/signing/). Optional `payloadType` must match.
 */
export function verifyDsse(
  envelope: DsseEnvelope | string | Uint8Array,
  publicKey: PublicKeyMaterial,
  expectedPayloadType?: string,
): Buffer {
  const env = toEnvelope(envelope);
  if (expectedPayloadType !== undefined && env.payloadType !== expectedPayloadType)
    throw new VerificationError(
      'PAYLOAD_TYPE_MISMATCH',
      `DSSE payloadType is ${env.payloadType}, expected ${expectedPayloadType}`,
    );
  const payload = decode(env.payload, 'DSSE payload');
  const pae = preAuthEncoding(env.payloadType, payload);
  for (const s of env.signatures) {
    const sig = decode(s.sig, 'DSSE signature');
    if (verifySignature(publicKey, pae, sig)) return payload;
  }
  throw new VerificationError(
    'SIGNATURE_MISMATCH',
    `none of the ${env.signatures.length} DSSE signature(s) verifies with the given public key`,
  );
}
