import { ChainsError } from '../../core/errors.ts';

/** A rejected proposed entry: becomes a Rekor-style 400 `error processing entry: …`. */
export class EntryError extends ChainsError<'TLOG_ENTRY_INVALID'> {
  constructor(message: string, cause?: unknown) {
    super('TLOG_ENTRY_INVALID', message, cause === undefined ? undefined : { cause });
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
