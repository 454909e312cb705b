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

/** Request head bytes; refuses field values with control characters (CR/LF would split the request) and non-token names. */
export function requestHead(
  method: string,
  url: URL,
  headers: Record<string, string>,
  bodyLength: number | undefined,
): Buffer {
  if (!TOKEN.test(method)) throw new Error(`invalid HTTP method ${JSON.stringify(method)}`);
  let text = `${method} ${url.pathname}${url.search} HTTP/1.1\r\nhost: ${url.host}\r\n`;
  for (const [k, v] of Object.entries(headers)) {
    if (!TOKEN.test(k) || /[^\t\x20-\x7e\x80-\xff]/.test(v))
      throw new Error(`invalid HTTP header ${JSON.stringify(k)}`);
    text += `${k}: ${v}\r\n`;
  }
  if (bodyLength !== undefined) text += `content-length: ${bodyLength}\r\n`;
  return Buffer.from(`${text}\r\n`, 'latin1');
}
