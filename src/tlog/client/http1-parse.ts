import type { HttpAnswer } from './http.ts';

/** A complete answer, and whether the connection may carry the next request. */
export interface Parsed {
  answer: HttpAnswer;
  keepAlive: boolean;
}

const MAX_HEAD = 64 * 1024;
const CRLF2 = Buffer.from('\r\n\r\n');

/**
 * Parse one HTTP/1.1 response from the bytes received so far (RFC 9112): `incomplete` until it is whole, an
 * Error for a malformed one. `ended`: the server closed the connection (ends a body without a length).
 */
export function parseResponse(buf: Buffer, ended: boolean): Parsed | Error | 'incomplete' {
  const headEnd = buf.indexOf(CRLF2);
  if (headEnd < 0) {
    if (buf.length > MAX_HEAD) return new Error('response head too large');
    return ended ? new Error('connection closed inside the response head') : 'incomplete';
  }
  const lines = buf.toString('latin1', 0, headEnd).split('\r\n');
  const m = /^HTTP\/1\.([01]) (\d{3})(?: (.*))?$/.exec(lines[0] ?? '');
  if (!m) return new Error(`malformed status line: ${JSON.stringify((lines[0] ?? '').slice(0, 80))}`);
  const status = Number(m[2]);
  // an interim answer (103 Early Hints, 100 Continue): the final one follows on the same connection
  if (status >= 100 && status < 200 && status !== 101) return parseResponse(buf.subarray(headEnd + 4), ended);
  const headers = new Map<string, string>();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    const c = line.indexOf(':');
    if (c <= 0) return new Error(`malformed header line: ${JSON.stringify(line.slice(0, 80))}`);
    const name = line.slice(0, c).trim().toLowerCase();
    const value = line.slice(c + 1).trim();
    const had = headers.get(name);
    headers.set(name, had === undefined ? value : `${had}, ${value}`);
  }
  const connection = (headers.get('connection') ?? '').toLowerCase();
  let keepAlive = m[1] === '1' ? !connection.includes('close') : connection.includes('keep-alive');
  const start = headEnd + 4;
  let body: Buffer | Error | 'incomplete';
  const te = headers.get('transfer-encoding');
  const cl = headers.get('content-length');
  if (status === 204 || status === 304 || status === 101) body = Buffer.alloc(0);
  else if (te !== undefined) {
    if (te.toLowerCase() !== 'chunked') return new Error(`unsupported transfer-encoding ${te}`);
    body = dechunk(buf, start);
  } else if (cl !== undefined) {
    if (!/^\d+$/.test(cl)) return new Error(`bad content-length ${cl}`);
    const len = Number(cl);
    body = buf.length - start >= len ? buf.subarray(start, start + len) : 'incomplete';
  } else {
    keepAlive = false; // the body runs until the server closes the connection
    body = ended ? buf.subarray(start) : 'incomplete';
  }
  if (body === 'incomplete')
    return ended ? new Error('connection closed before the whole response body') : 'incomplete';
  if (body instanceof Error) return body;
  const statusText = m[3] ?? '';
  return { answer: { status, statusText, header: (n) => headers.get(n.toLowerCase()), body }, keepAlive };
}

/** Chunked transfer coding (RFC 9112 §7.1): size in hex, optional extensions, data, CRLF; trailers ignored. */
function dechunk(buf: Buffer, from: number): Buffer | Error | 'incomplete' {
  const parts: Buffer[] = [];
  let at = from;
  for (;;) {
    const eol = buf.indexOf('\r\n', at, 'latin1');
    if (eol < 0) return 'incomplete';
    const sizeText = buf.toString('latin1', at, eol).split(';')[0]?.trim() ?? '';
    if (!/^[0-9a-fA-F]{1,8}$/.test(sizeText)) return new Error(`bad chunk size ${JSON.stringify(sizeText)}`);
    const size = parseInt(sizeText, 16);
    if (size === 0) {
      // last chunk: wait for the (possibly empty) trailer section and its blank line
      return buf.indexOf(CRLF2, eol) < 0 ? 'incomplete' : Buffer.concat(parts);
    }
    if (buf.length < eol + 2 + size + 2) return 'incomplete';
    parts.push(buf.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}
