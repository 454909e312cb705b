import { sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { INTOTO_PAYLOAD_TYPE, preAuthEncoding } from '../../../src/core/dsse.ts';
import { sha256Hex } from '../../../src/core/hash.ts';

/** An in-toto statement about `content`, in a DSSE envelope signed (P-256, SHA-256) over its PAE. */
export function signedEnvelope(
  privateKey: KeyObject,
  content: string,
): { envelope: string; pae: Buffer; payloadSha256: string; envelopeSha256: string } {
  const statement = {
    _type: 'https://in-toto.io/Statement/v1',
    predicateType: 'https://slsa.dev/provenance/v1',
    subject: [{ name: 'registry.local/app', digest: { sha256: sha256Hex(content) } }],
    predicate: {},
  };
  const payload = Buffer.from(JSON.stringify(statement));
  const pae = preAuthEncoding(INTOTO_PAYLOAD_TYPE, payload);
  const sig = sign('sha256', pae, privateKey).toString('base64');
  const envelope = JSON.stringify({
    payloadType: INTOTO_PAYLOAD_TYPE,
    payload: payload.toString('base64'),
    signatures: [{ keyid: '', sig }],
  });
  return { envelope, pae, payloadSha256: sha256Hex(payload), envelopeSha256: sha256Hex(envelope) };
}
