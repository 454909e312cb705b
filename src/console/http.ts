import type { IncomingMessage, ServerResponse } from 'node:http';
import { ChainsError } from '../core/errors.ts';
import { ConsoleError } from './errors.ts';

/** Every answer: no inline script or style, no framing, no plugins, no MIME sniffing (issue 17 §4). */
export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

export function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string | Buffer,
  extra: Record<string, string> = {},
): void {
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'content-type': type,
    'content-length': String(Buffer.byteLength(body)),
    'cache-control': 'no-store',
    ...extra,
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value));
}

/** One %-encoded path segment of a request; malformed escapes are bad input (400), not an internal error. */
export function pathSegment(segment: string | undefined): string {
  try {
    return decodeURIComponent(segment ?? '');
  } catch (e) {
    throw new ConsoleError('CONSOLE_INPUT', 'the address has a malformed %-escape', { cause: e });
  }
}

/** Map a thrown error to an answer: not found → 404, bad input → 400, the log or registry failing → 502. */
export function sendError(res: ServerResponse, e: unknown): void {
  const code = e instanceof ChainsError ? e.code : 'CONSOLE_INTERNAL';
  const message = e instanceof Error ? e.message : String(e);
  const status = /NOT_FOUND|UNKNOWN|MANIFEST_UNKNOWN/.test(code)
    ? 404
    : /INPUT|INVALID|REFERENCE/.test(code)
      ? 400
      : code === 'CONSOLE_INTERNAL'
        ? 500
        : 502;
  sendJson(res, status, { code, message });
}

/** A route table matched by path prefix (API) or exact pattern. */
export interface Route {
  pattern: RegExp;
  handler: (req: IncomingMessage, res: ServerResponse, url: URL, m: RegExpExecArray) => Promise<void> | void;
}
