/** Response headers, lowercased names; repeated fields joined with ", " (set-cookie kept as a list), as node does. */
export type HttpHeaders = Record<string, string | string[] | undefined>;

export interface Head {
  status: number;
  statusText: string;
  headers: HttpHeaders;
  /** Content-Length, when the response declares one */
  contentLength?: number;
  /** the server closes the connection after this response */
  close: boolean;
}

const STATUS = /^HTTP\/1\.([01]) (\d{3})(?: ([^]*))?$/;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const DIGITS = /^\d{1,15}$/;

/** Content-Length value; "n, n" from a repeated field only when every copy agrees (RFC 9112 §6.3). */
function contentLengthOf(v: string): number | undefined | false {
  if (DIGITS.test(v)) return Number(v);
  const parts = v.split(',').map((x) => x.trim());
  const first = parts[0] ?? '';
  return DIGITS.test(first) && parts.every((p) => p === first) ? Number(first) : false;
}

/** Parse a response head (status line + header fields, without the final CRLF CRLF); undefined if malformed. */
export function parseHead(text: string): Head | undefined {
  let eol = text.indexOf('\r\n');
  const m = STATUS.exec(eol < 0 ? text : text.slice(0, eol));
  if (!m) return undefined;
  // no prototype: a field called __proto__ is just a field
  const headers: HttpHeaders = Object.create(null) as HttpHeaders;
  while (eol >= 0) {
    const from = eol + 2;
    eol = text.indexOf('\r\n', from);
    const line = eol < 0 ? text.slice(from) : text.slice(from, eol);
    const colon = line.indexOf(':');
    if (colon <= 0) return undefined;
    const name = line.slice(0, colon).toLowerCase();
    if (!TOKEN.test(name)) return undefined;
    const value = line.slice(colon + 1).trim();
    const prev = headers[name];
    if (name === 'set-cookie') headers[name] = [...((prev as string[] | undefined) ?? []), value];
    else headers[name] = prev === undefined ? value : `${String(prev)}, ${value}`;
  }
  const cl = headers['content-length'];
  const contentLength = typeof cl === 'string' ? contentLengthOf(cl) : undefined;
  if (contentLength === false) return undefined;
  const conn = headers.connection;
  const lower = typeof conn === 'string' ? conn.toLowerCase() : '';
  const close = lower.includes('close') || (m[1] === '0' && !lower.includes('keep-alive'));
  const status = Number(m[2]);
  const statusText = m[3] ?? '';
  return { status, statusText, headers, ...(contentLength !== undefined ? { contentLength } : {}), close };
}

/** A request-target: no spaces or controls (they would end or split the request line). */
const TARGET = /^\/[\x21-\x7e]*$/;
const TARGET_OBS = /^\/[\x21-\x7e\x80-\xff]*$/;
const VALUE = /^[\t\x20-\x7e]*$/;
/** obs-text (0x80-0xff) is allowed in values (RFC 9110 §5.5) and then sent as single bytes */
const VALUE_OBS = /^[\t\x20-\x7e\x80-\xff]*$/;
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export interface RequestHead {
  text: string;
  /** holds chars 0x80-0xff: must be written as latin1, not UTF-8 */
  obsText: boolean;
}

/**
 * Request head text (one char per byte) for `target` (default: the URL's path and query); refuses a method that
 * is not a token, a target with spaces or controls, field values with control characters (CR/LF would split the
 * request) and names that are not tokens.
 */
export function requestHead(
  method: string,
  url: URL,
  headers: Record<string, string>,
  bodyLength: number | undefined,
  target = `${url.pathname}${url.search}`,
): RequestHead {
  if (!METHODS.has(method) && !TOKEN.test(method))
    throw new Error(`invalid HTTP method ${JSON.stringify(method)}`);
  let obsText = !TARGET.test(target);
  if (obsText && !TARGET_OBS.test(target))
    throw new Error(`invalid request target ${JSON.stringify(target)}`);
  let text = `${method} ${target} HTTP/1.1\r\nhost: ${url.host}\r\n`;
  for (const k in headers) {
    const v = headers[k] as string;
    if (!TOKEN.test(k)) throw new Error(`invalid HTTP header ${JSON.stringify(k)}`);
    if (!VALUE.test(v)) {
      if (!VALUE_OBS.test(v)) throw new Error(`invalid HTTP header ${JSON.stringify(k)}`);
      obsText = true;
    }
    text += `${k}: ${v}\r\n`;
  }
  if (bodyLength !== undefined) text += `content-length: ${bodyLength}\r\n`;
  return { text: `${text}\r\n`, obsText };
}
