import { INTOTO_PAYLOAD_TYPE, preAuthEncoding } from '../core/dsse.ts';
import { goMarshal } from '../core/json.ts';
import type { SignedRecord } from '../core/signed.ts';
import { keyFingerprint } from '../keys/index.ts';
import type { PublicKeyMaterial } from '../keys/index.ts';
import type { Signer } from './signer.ts';

const keyids = new WeakMap<PublicKeyMaterial, string>();

/** Chains' DSSE keyid: SSH SHA256 fingerprint of the public key, cached per key (chains.md §4.3). */
export function dsseKeyId(publicKey: PublicKeyMaterial): string {
  let id = keyids.get(publicKey);
  if (id === undefined) {
    id = keyFingerprint(publicKey);
    keyids.set(publicKey, id);
  }
  return id;
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
  const sig = (await signer.sign(preAuthEncoding(payloadType, payload))).toString('base64');
  const b64 = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('base64');
  // Same bytes as goMarshal(envelope): base64 needs no escaping, so only the short strings go through it.
  const json =
    `{"payloadType":${goMarshal(payloadType)},"payload":"${b64}",` +
    `"signatures":[{"keyid":${goMarshal(dsseKeyId(signer.publicKey))},"sig":"${sig}"}]}`;
  return { kind: 'dsse', bytes: Buffer.from(json, 'utf8'), signature: sig, identity: signer.identity };
}

/** DSSE over an in-toto statement (`application/vnd.in-toto+json`). */
export function signInToto(signer: Signer, statement: Uint8Array): Promise<SignedRecord> {
  return signDsse(signer, INTOTO_PAYLOAD_TYPE, statement);
}
