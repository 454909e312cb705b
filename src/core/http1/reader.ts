import { ChunkDecoder } from './chunked.ts';
import { Http1Error, TooLarge } from './errors.ts';
import { parseHead, type Head, type HttpHeaders } from './head.ts';

export interface Http1Response {
  status: number;
  statusText: string;
  headers: HttpHeaders;
  body: Buffer;
}

/** status line + header fields; a longer head is refused instead of buffered */
export const MAX_HEAD = 64 * 1024;

const EMPTY = Buffer.alloc(0);
const CRLF2 = Buffer.from('\r\n\r\n');
const malformed = (what: string): Http1Error =>
  new Http1Error('malformed', `malformed HTTP response: ${what}`);

/**
 * One response read incrementally from untrusted bytes (RFC 9112): `push` each piece as it arrives; undefined
 * means "more bytes needed", otherwise the whole response or a typed error (never thrown). Memory is bounded by
 * MAX_HEAD for the head and `maxBytes` for the body.
 */
export class ResponseReader {
  /** after a response: the connection may carry the next request (framed exactly, not closing) */
  reusable = false;
  /** a head split over pieces, gathered (only the first hlen bytes are meaningful) */
  private hbuf: Buffer | undefined;
  private hlen = 0;
  private head: Head | undefined;
  private chunks: Buffer[] = [];
  private got = 0;
  private chunked: ChunkDecoder | undefined;
  private over = false;

  constructor(
    private readonly method: string,
    private readonly maxBytes: number,
  ) {}

  /** a response head has arrived (the body may still be coming) */
  get started(): boolean {
    return this.head !== undefined;
  }

  push(d: Buffer): Http1Response | Http1Error | undefined {
    if (this.over) return malformed('bytes after the response');
    return this.head ? this.onBody(d) : this.onHead(d);
  }

  /** bytes held for this response so far (head being read, body, a partial chunk-size line) */
  get held(): number {
    return this.hlen + this.got + (this.chunked?.pendingBytes ?? 0);
  }

  /** Status line and fields; a head split over pieces is gathered in one growing buffer (no re-copy per piece). */
  private onHead(d: Buffer): Http1Response | Http1Error | undefined {
    for (;;) {
      const old = this.hlen;
      let buf = d;
      let end: number;
      if (old === 0) {
        end = d.indexOf(CRLF2); // the usual case: the whole head in one piece, nothing copied
        if (end < 0 && d.length <= MAX_HEAD) return void this.gather(d, 0);
      } else {
        buf = this.gather(d, old);
        end = buf.indexOf(CRLF2, Math.max(0, old - 3));
        if (end < 0 && buf.length <= MAX_HEAD) return undefined;
      }
      if (end < 0 || end > MAX_HEAD)
        return this.stop(new Http1Error('head-too-large', `response head over ${MAX_HEAD} bytes`));
      this.hlen = 0;
      const head = parseHead(buf.toString('latin1', 0, end));
      if (!head) return this.stop(malformed('status line or header field'));
      d = d.subarray(end + 4 - old);
      if (head.status < 100) return this.stop(malformed(`status ${head.status}`));
      if (head.status === 101) return this.stop(malformed('101 Switching Protocols was not asked for'));
      if (head.status >= 200) return this.begin(head, d);
      // 1xx (100 Continue, 103 Early Hints): the final answer follows on the same connection
      if (d.length === 0) return undefined;
    }
  }

  /** Append (at most MAX_HEAD + 4 bytes of) `d` to the head buffer at `at`; the head so far. */
  private gather(d: Buffer, at: number): Buffer {
    const n = Math.min(d.length, MAX_HEAD + 4 - at);
    if (!this.hbuf || this.hbuf.length < at + n) {
      const grown = Buffer.allocUnsafe(
        Math.min(MAX_HEAD + 4, Math.max(at + n, 2 * (this.hbuf?.length ?? 512))),
      );
      this.hbuf?.copy(grown, 0, 0, at);
      this.hbuf = grown;
    }
    d.copy(this.hbuf, at, 0, n);
    this.hlen = at + n;
    return this.hbuf.subarray(0, this.hlen);
  }

  /** The server closed the connection: this ends a close-delimited body; anything else is cut short. */
  end(): Http1Response | Http1Error {
    const head = this.head;
    if (this.over) return malformed('bytes after the response');
    if (head && !this.chunked && head.contentLength === undefined) return this.finish(false);
    this.over = true;
    if (head || this.hlen) return new Http1Error('closed', 'connection closed before the whole response');
    return new Http1Error('closed', 'connection closed before the answer');
  }

  /** Body framing (RFC 9112 §6.3). */
  private begin(head: Head, rest: Buffer): Http1Response | Http1Error | undefined {
    this.head = head;
    if (this.method === 'HEAD' || head.status === 204 || head.status === 304)
      return this.finish(rest.length === 0);
    const te = head.headers['transfer-encoding'];
    if (te !== undefined) {
      // only chunked is decoded; a Content-Length beside it is ignored and the connection not reused
      if (typeof te !== 'string' || te.trim().toLowerCase() !== 'chunked')
        return this.stop(malformed(`unsupported transfer-encoding ${JSON.stringify(String(te))}`));
      if (head.contentLength !== undefined) head.close = true;
      this.chunked = new ChunkDecoder();
    } else if (head.contentLength !== undefined && head.status < 300 && head.contentLength > this.maxBytes)
      return this.stop(new TooLarge(head.contentLength));
    else if (head.contentLength === 0) return this.finish(rest.length === 0);
    return rest.length ? this.onBody(rest) : undefined;
  }

  private onBody(d: Buffer): Http1Response | Http1Error | undefined {
    const head = this.head as Head;
    let part = d;
    let done = false;
    let clean = true;
    if (this.chunked) {
      const r = this.chunked.push(d);
      if (!r) return this.stop(malformed('chunked framing'));
      [part, done, clean] = [r.data, r.done, r.rest === 0];
    } else if (head.contentLength !== undefined) {
      const want = head.contentLength - this.got;
      if (part.length >= want) [part, done, clean] = [part.subarray(0, want), true, part.length === want];
    }
    this.got += part.length;
    if (this.got > this.maxBytes) return this.stop(new TooLarge(this.got));
    if (part.length) this.chunks.push(part);
    return done ? this.finish(clean) : undefined;
  }

  private finish(clean: boolean): Http1Response {
    const head = this.head as Head;
    const n = this.chunks.length;
    const body = n === 0 ? EMPTY : n === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks);
    this.chunks = [];
    this.over = true;
    this.reusable = clean && !head.close;
    return { status: head.status, statusText: head.statusText, headers: head.headers, body };
  }

  private stop(e: Http1Error): Http1Error {
    this.over = true;
    this.chunks = [];
    this.hbuf = undefined;
    this.hlen = 0;
    return e;
  }
}
