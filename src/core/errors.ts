/** Base class for every error Chains raises: a stable string `code` for tests and callers, plus a `cause`. */
export class ChainsError<C extends string = string> extends Error {
  readonly code: C;

  constructor(code: C, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = new.target.name;
  }
}

/** Codes used by core helpers. */
export type CoreErrorCode =
  'INVALID_BASE64' | 'INVALID_HEX' | 'INVALID_PEM' | 'INVALID_DIGEST' | 'INVALID_JSON' | 'INVALID_ENVELOPE';

export class CoreError extends ChainsError<CoreErrorCode> {}

/** True when `e` is a ChainsError carrying `code`. */
export function hasCode(e: unknown, code: string): boolean {
  return e instanceof ChainsError && e.code === code;
}

/** One-line description of any thrown value, for CLI output. */
export function describeError(e: unknown): string {
  if (e instanceof ChainsError) return `${e.message} [${e.code}]`;
  if (e instanceof Error) return e.message;
  return String(e);
}
