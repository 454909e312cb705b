import { ChainsError } from '../../core/errors.ts';

/** Why a proposed entry was refused: shape, key or certificate, chain, signature, algorithm policy. */
export type EntryErrorCode =
  | 'TLOG_ENTRY_INVALID'
  | 'TLOG_KEY_INVALID'
  | 'TLOG_CHAIN_INVALID'
  | 'TLOG_SIGNATURE_INVALID'
  | 'TLOG_ALGORITHM_NOT_ALLOWED';

/** A rejected proposed entry: becomes a Rekor-style 400 `error processing entry: …`. */
export class EntryError extends ChainsError<EntryErrorCode> {
  constructor(message: string, cause?: unknown, code: EntryErrorCode = 'TLOG_ENTRY_INVALID') {
    super(code, message, cause === undefined ? undefined : { cause });
  }
}

/** An HTTP-level error with Rekor's `{"code","message"}` body. */
export class HttpError extends ChainsError<'TLOG_HTTP_ERROR'> {
  readonly status: number;
  readonly headers: Record<string, string>;
  constructor(status: number, message: string, headers: Record<string, string> = {}) {
    super('TLOG_HTTP_ERROR', message);
    this.status = status;
    this.headers = headers;
  }
}
