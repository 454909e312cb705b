import { HttpError } from './errors.ts';

/**
 * Stage 2 of the append path, parse. In: a request body. Out: its JSON value, or Rekor's 400 when it is not
 * JSON. The value's shape (entry kind, version, spec) is checked by the verify stage (prepare.ts, kinds/).
 */
export function parseBody(body: Uint8Array): unknown {
  try {
    return JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch (e) {
    throw new HttpError(400, `parsing body body from "" failed, because ${(e as Error).message}`);
  }
}
