import { toBase64 } from '../../core/encoding.ts';
import { CtError } from './errors.ts';
import { sctFromJson } from './sct.ts';
import type { Sct } from './sct.ts';

/** A CT log client for the CA side (RFC 6962 §4.1): submit a chain, get an SCT back, or a coded error. */

export interface SubmitOptions {
  /** Abort after this many ms (Fulcio's client uses 30 s). */
  timeoutMs?: number;
  /** Cap on the answer size. */
  maxAnswerBytes?: number;
}

/**
 * POST `{"chain":[b64 DER…]}` to `<baseUrl>/ct/v1/add-pre-chain` or `add-chain`. A log that is down, slow, answers
 * non-200 or answers garbage fails with CT_LOG_UNAVAILABLE / CT_LOG_REJECTED / CT_SCT_INVALID: never a missing SCT.
 */
export async function submitToCtLog(
  baseUrl: string,
  kind: 'add-pre-chain' | 'add-chain',
  chainDer: readonly Uint8Array[],
  opts: SubmitOptions = {},
): Promise<Sct> {
  const url = `${baseUrl.replace(/\/+$/, '')}/ct/v1/${kind}`;
  let res: Response;
  let text: string;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ chain: chainDer.map((c) => toBase64(c)) }),
      signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000),
    });
    text = await res.text();
  } catch (e) {
    throw new CtError('CT_LOG_UNAVAILABLE', `CT log ${url} is unreachable: ${(e as Error).message}`, {
      cause: e,
    });
  }
  if (text.length > (opts.maxAnswerBytes ?? 64 * 1024))
    throw new CtError('CT_SCT_INVALID', `CT log ${url} answered ${text.length} bytes`);
  if (res.status !== 200)
    throw new CtError(
      res.status >= 500 || res.status === 429 ? 'CT_LOG_UNAVAILABLE' : 'CT_LOG_REJECTED',
      `CT log ${url} answered ${res.status}: ${text.slice(0, 200)}`,
    );
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new CtError('CT_SCT_INVALID', `CT log ${url} answered non-JSON`, { cause: e });
  }
  return sctFromJson(json);
}
