import { sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { setMessage } from '../types/index.ts';

/** What a signed entry timestamp covers (sigstore.md §4.2), besides the log ID. */
export interface SetItem {
  body: Uint8Array;
  integratedTime: number;
  logIndex: number;
}

/** The SET: ECDSA over the canonical JSON of body (base64), integratedTime, logID, logIndex. */
export function signSet(privateKey: KeyObject, logId: string, i: SetItem): Buffer {
  const body = Buffer.from(i.body.buffer, i.body.byteOffset, i.body.byteLength).toString('base64');
  return sign(
    'sha256',
    setMessage({ body, integratedTime: i.integratedTime, logID: logId, logIndex: i.logIndex }),
    privateKey,
  );
}
