import { sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

/** What a signed entry timestamp covers (https://github.com/sigstore/rekor/blob/main/openapi.yaml), besides the log ID. */
export interface SetItem {
  body: Uint8Array;
  /** `body` in base64, when the caller has it already. */
  bodyBase64?: string;
  integratedTime: number;
  logIndex: number;
}

/**
 * The SET: ECDSA over the canonical JSON of body (base64), integratedTime, logID, logIndex (types/wire.ts
 * setMessage). The keys are written in sorted order and the values are ASCII strings and integers, so plain
 * JSON.stringify is that canonical form, without a generic canonicaliser per entry.
 */
export function signSet(privateKey: KeyObject, logId: string, i: SetItem): Buffer {
  const body =
    i.bodyBase64 ?? Buffer.from(i.body.buffer, i.body.byteOffset, i.body.byteLength).toString('base64');
  // JSON.stringify({ body, integratedTime, logID, logIndex }) for these ASCII strings and integers
  const message = `{"body":"${body}","integratedTime":${i.integratedTime},"logID":"${logId}","logIndex":${i.logIndex}}`;
  return sign('sha256', Buffer.from(message, 'latin1'), privateKey);
}
