import { INTOTO_PAYLOAD_TYPE, preAuthEncoding } from '../core/dsse.ts';
import { goMarshal } from '../core/json.ts';
import type { SignedRecord } from '../core/signed.ts';
import { keyFingerprint } from '../keys/index.ts';
import type { PublicKeyMaterial } from '../keys/index.ts';
import type { Signer } from './signer.ts';

const keyids = new WeakMap<PublicKeyMaterial, { id: string; json: string }>();

function keyIdEntry(publicKey: PublicKeyMaterial): { id: string; json: string } {
  let e = keyids.get(publicKey);
  if (e === undefined) {
    const id = keyFingerprint(publicKey);
    e = { id, json: goMarshal(id) };
    keyids.set(publicKey, e);
  }
  return e;
}

/** JSON of the few payload types in use, escaped once (hot path: one envelope per signed run). */
const typeJson = new Map<string, string>();
function payloadTypeJson(t: string): string {
  let j = typeJson.get(t);
  if (j === undefined) {
    j = goMarshal(t);
    if (typeJson.size < 64) typeJson.set(t, j);
  }
  return j;
}

/**
 * Sign `payload` as a DSSE envelope. `record.bytes` is the envelope JSON exactly as Chains writes it
 * (Go json.Marshal: payloadType, payload, signatures[{keyid, sig}], no trailing newline).
 */
export async function signDsse(
  signer: Signer,
  payloadType: string,
  payload: Uint8Array,
): Promise<SignedRecord> {
  const sig = (await signer.signMessage(preAuthEncoding(payloadType, payload))).toString('base64');
  const b64 = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('base64');
  // Same bytes as goMarshal(envelope): base64 needs no escaping, so only the short strings go through it.
  const json =
    `{"payloadType":${payloadTypeJson(payloadType)},"payload":"${b64}",` +
    `"signatures":[{"keyid":${keyIdEntry(signer.publicKey).json},"sig":"${sig}"}]}`;
  return { kind: 'dsse', bytes: Buffer.from(json, 'utf8'), signature: sig, identity: signer.identity };
}

/** DSSE over an in-toto statement (`application/vnd.in-toto+json`). */
export function signInToto(signer: Signer, statement: Uint8Array): Promise<SignedRecord> {
  return signDsse(signer, INTOTO_PAYLOAD_TYPE, statement);
}
