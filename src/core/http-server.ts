import type { IncomingMessage } from 'node:http';
import { ChainsError } from './errors.ts';

export type BodyErrorCode = 'HTTP_BODY_TOO_LARGE' | 'HTTP_BODY_INCOMPLETE';

export class BodyError extends ChainsError<BodyErrorCode> {
  /** true when Content-Length alone was over the cap (nothing was read) */
  readonly declared: boolean;

  constructor(code: BodyErrorCode, message: string, declared: boolean, cause?: unknown) {
    super(code, message, { cause });
    this.declared = declared;
  }
}

/**
 * A request body of at most `max` bytes. Over the cap (Content-Length first, then as it streams) it rejects
 * with HTTP_BODY_TOO_LARGE and stops reading: the caller answers 413 and closes the connection. A client that
 * goes away mid-body rejects with HTTP_BODY_INCOMPLETE, so nothing waits forever. Events, not an async
 * iterator: that costs a promise per chunk.
 */
export function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > max) {
    const msg = `request body too large: ${declared} bytes exceeds ${max}`;
    return Promise.reject(new BodyError('HTTP_BODY_TOO_LARGE', msg, true));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let n = 0;
    let ended = false;
    const onData = (c: Buffer): void => {
      n += c.length;
      if (n <= max) return void chunks.push(c);
      req.off('data', onData).off('end', onEnd).pause();
      reject(new BodyError('HTTP_BODY_TOO_LARGE', `request body too large: exceeds ${max} bytes`, false));
    };
    const onEnd = (): void => {
      ended = true;
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
    };
    // 'close' follows every request: the error is only built when the body never ended (a stack trace per
    // request is measurable on the log's append path)
    const onClose = (): void => {
      if (!ended)
        reject(new BodyError('HTTP_BODY_INCOMPLETE', 'request body incomplete: connection closed', false));
    };
    const onError = (e: Error): void =>
      reject(new BodyError('HTTP_BODY_INCOMPLETE', `request body incomplete: ${e.message}`, false, e));
    req.on('data', onData).once('end', onEnd).once('error', onError).once('close', onClose);
  });
}

/**
 * The request target as a URL, or null when it is not one. `//host-like` paths are paths, not protocol-relative
 * URLs (RFC 9112 §3.2: origin-form starts with `/`).
 */
export function requestUrl(target: string): URL | null {
  try {
    return target.startsWith('/')
      ? new URL(`http://request.invalid${target}`)
      : new URL(target, 'http://request.invalid');
  } catch {
    return null;
  }
}

/** The path of a request target without its query, as requestUrl reads it; '' when the target is not a URL. */
export function requestPath(target: string | undefined): string {
  return requestUrl(target ?? '/')?.pathname ?? '';
}
