import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { ChunkDecoder } from './wire-chunked.ts';
import { parseHead, requestHead, type Head } from './wire-head.ts';

export interface WireRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: Buffer;
  /** largest body accepted: a declared 2xx Content-Length over it fails at once, any body when it gets there */
  maxBytes: number;
}

/** A response body over the request's maxBytes. */
export class TooLarge extends Error {
  constructor(readonly size: number) {
    super(`response body of ${size} bytes over the limit`);
  }
}

export interface WireResponse {
  status: number;
  headers: Head['headers'];
  body: Buffer;
}

const EMPTY = Buffer.alloc(0);

export interface WireOptions {
  tls: { ca?: (string | Buffer)[]; rejectUnauthorized: boolean };
  /** per-origin connection cap; requests beyond it wait for a free connection */
  maxSockets: number;
  timeoutMs: number;
}

/** Below this size a request body goes out with its head in one write (one syscall, one segment). */
const INLINE_BODY = 64 * 1024;

/** Failures of a reused connection that mean "closed by the server before it read the request". */
const RESEND_CODES = new Set(['ECONNRESET', 'EPIPE', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_WRITE_AFTER_END']);

type Settle = (e: Error | undefined, r?: WireResponse) => void;

/** One HTTP/1.1 exchange at a time on a kept-alive socket (no pipelining). */
class Conn {
  /** served an earlier exchange: a failure before any answer may be the server's idle close */
  reused = false;
  /** bytes of the current answer arrived */
  received = false;
  /** the pool's hook: hand the connection back (keep) or drop it */
  done: (keep: boolean) => void = () => {};
  private req: WireRequest | undefined;
  private settle: Settle | undefined;
  private buf: Buffer | undefined;
  private head: Head | undefined;
  private chunks: Buffer[] = [];
  private got = 0;
  private chunked: ChunkDecoder | undefined;

  constructor(
    readonly socket: Socket,
    private readonly timeoutMs: number,
    private readonly onIdleClose: (c: Conn) => void,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('error', (e) => this.fail(e));
    socket.on('close', () => this.onClose());
  }

  exchange(req: WireRequest, head: Buffer): Promise<WireResponse> {
    this.req = req;
    this.buf = undefined;
    this.head = undefined;
    this.chunked = undefined;
    this.chunks = [];
    this.got = 0;
    this.received = false;
    return new Promise<WireResponse>((resolve, reject) => {
      const timer = setTimeout(
        () => this.fail(new Error(`request timed out after ${this.timeoutMs / 1000}s`)),
        this.timeoutMs,
      );
      this.settle = (e, r) => {
        clearTimeout(timer);
        this.settle = undefined;
        if (e) reject(e);
        else resolve(r as WireResponse);
      };
      const body = req.body;
      if (!body?.length) this.socket.write(head);
      else if (body.length <= INLINE_BODY) this.socket.write(Buffer.concat([head, body]));
      else {
        this.socket.cork();
        this.socket.write(head);
        this.socket.write(body);
        this.socket.uncork();
      }
    });
  }

  private onData(d: Buffer): void {
    if (!this.settle) return void this.socket.destroy(); // bytes nobody asked for: not reusable
    this.received = true;
    if (this.head) return this.onBody(d);
    const buf = this.buf ? Buffer.concat([this.buf, d]) : d;
    const end = buf.indexOf('\r\n\r\n');
    if (end < 0) {
      this.buf = buf;
      if (buf.length > 64 * 1024) this.fail(new Error('response head over 64 KiB'));
      return;
    }
    this.buf = undefined;
    const head = parseHead(buf.toString('latin1', 0, end));
    if (!head) return this.fail(new Error('malformed HTTP response'));
    const rest = buf.subarray(end + 4);
    if (head.status < 200) return rest.length ? this.onData(rest) : undefined; // 1xx: the answer follows
    this.head = head;
    this.begin(head, rest);
  }

  /** Body framing (RFC 9112 §6.3). */
  private begin(head: Head, rest: Buffer): void {
    const req = this.req as WireRequest;
    if (req.method === 'HEAD' || head.status === 204 || head.status === 304)
      return this.finish(rest.length === 0);
    const te = head.headers['transfer-encoding'];
    if (typeof te === 'string' && te.toLowerCase().includes('chunked')) this.chunked = new ChunkDecoder();
    else if (head.contentLength !== undefined && head.status < 300 && head.contentLength > req.maxBytes)
      return this.fail(new TooLarge(head.contentLength));
    else if (head.contentLength === 0) return this.finish(rest.length === 0);
    if (rest.length) this.onBody(rest);
  }

  private onBody(d: Buffer): void {
    const head = this.head as Head;
    let part = d;
    let done = false;
    let clean = true;
    if (this.chunked) {
      const r = this.chunked.push(d);
      if (!r) return this.fail(new Error('malformed chunked response'));
      [part, done, clean] = [r.data, r.done, r.rest === 0];
    } else if (head.contentLength !== undefined) {
      const want = head.contentLength - this.got;
      if (part.length >= want) [part, done, clean] = [part.subarray(0, want), true, part.length === want];
    }
    this.got += part.length;
    const req = this.req as WireRequest;
    if (this.got > req.maxBytes) return this.fail(new TooLarge(this.got));
    if (part.length) this.chunks.push(part);
    if (done) this.finish(clean);
  }

  /** Answer the caller; the socket goes back to the pool unless the server closes it or sent extra bytes. */
  private finish(clean: boolean): void {
    const head = this.head as Head;
    const settle = this.settle;
    const n = this.chunks.length;
    const body = n === 0 ? EMPTY : n === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks);
    this.chunks = [];
    this.req = undefined;
    this.settle = undefined;
    const keep = clean && !head.close;
    if (!keep) this.socket.destroy();
    this.done(keep);
    settle?.(undefined, { status: head.status, headers: head.headers, body });
  }

  private fail(e: Error): void {
    const settle = this.settle;
    this.settle = undefined;
    this.socket.destroy();
    if (settle) {
      this.done(false);
      settle(e);
    }
  }

  private onClose(): void {
    const head = this.head;
    // a body delimited by the end of the connection (no Content-Length, not chunked)
    if (this.settle && head && !this.chunked && head.contentLength === undefined) return this.finish(false);
    if (this.settle) return this.fail(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    this.onIdleClose(this);
  }
}

/**
 * Keep-alive HTTP/1.1 connection pools per origin over net/tls sockets: one write per request (head and
 * body together), one parse of the head, no stream objects per request. node:http costs about 0.15 ms of
 * CPU per request on the VM where this was measured (ClientRequest, IncomingMessage, agent bookkeeping).
 */
export class Wire {
  private readonly idle = new Map<string, Conn[]>();
  private readonly active = new Map<string, number>();
  private readonly waiting = new Map<string, (() => void)[]>();

  constructor(private readonly opts: WireOptions) {}

  async request(req: WireRequest): Promise<WireResponse> {
    const u = req.url;
    const origin = `${u.protocol}//${u.host}`;
    const sendsBody = req.body !== undefined || ['POST', 'PUT', 'PATCH'].includes(req.method);
    const head = requestHead(req.method, u, req.headers, sendsBody ? (req.body?.length ?? 0) : undefined);
    const conn = await this.acquire(origin, u, false);
    try {
      return await conn.exchange(req, head);
    } catch (e) {
      // a kept-alive socket the server closed while it was idle: no answer came, so send it once more
      const code = (e as NodeJS.ErrnoException).code ?? '';
      if (!conn.reused || conn.received || !RESEND_CODES.has(code)) throw e;
      return (await this.acquire(origin, u, true)).exchange(req, head);
    }
  }

  private async acquire(origin: string, u: URL, fresh: boolean): Promise<Conn> {
    if ((this.active.get(origin) ?? 0) >= this.opts.maxSockets) {
      await new Promise<void>((ok) => {
        const w = this.waiting.get(origin);
        if (w) w.push(ok);
        else this.waiting.set(origin, [ok]);
      });
    }
    this.active.set(origin, (this.active.get(origin) ?? 0) + 1);
    let conn = fresh ? undefined : this.idle.get(origin)?.pop();
    // the server's FIN may have ended a pooled socket whose 'close' has not been handled yet
    while (conn && (conn.socket.destroyed || !conn.socket.writable)) conn = this.idle.get(origin)?.pop();
    if (!conn) {
      try {
        conn = await this.connect(origin, u);
      } catch (e) {
        this.release(origin, undefined);
        throw e;
      }
    }
    const c = conn;
    conn.done = (keep) => this.release(origin, keep ? c : undefined);
    return conn;
  }

  /** One active slot freed; `conn` (when given) goes back to the idle pool. */
  private release(origin: string, conn: Conn | undefined): void {
    this.active.set(origin, (this.active.get(origin) ?? 1) - 1);
    if (conn) {
      conn.done = () => {};
      conn.reused = true;
      const pool = this.idle.get(origin);
      if (pool) pool.push(conn);
      else this.idle.set(origin, [conn]);
    }
    this.waiting.get(origin)?.shift()?.();
  }

  private connect(origin: string, u: URL): Promise<Conn> {
    const https = u.protocol === 'https:';
    const host = u.hostname.replace(/^\[|\]$/g, '');
    const port = Number(u.port || (https ? 443 : 80));
    const { tls, timeoutMs } = this.opts;
    return new Promise<Conn>((resolve, reject) => {
      const socket = https
        ? tlsConnect({
            host,
            port,
            // SNI takes names only; the certificate is still checked against the IP (checkServerIdentity)
            ...(isIP(host) ? {} : { servername: host }),
            ...(tls.ca ? { ca: tls.ca } : {}),
            rejectUnauthorized: tls.rejectUnauthorized,
            ALPNProtocols: ['http/1.1'],
          })
        : netConnect({ host, port });
      const timer = setTimeout(
        () => socket.destroy(new Error(`connect timed out after ${timeoutMs / 1000}s`)),
        timeoutMs,
      );
      const onError = (e: Error): void => {
        clearTimeout(timer);
        reject(e);
      };
      socket.once('error', onError);
      socket.once(https ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        socket.off('error', onError);
        // never keeps the process alive by itself: a request in flight has its (ref'd) timeout timer
        socket.unref();
        resolve(new Conn(socket, timeoutMs, (c) => this.forget(origin, c)));
      });
    });
  }

  private forget(origin: string, c: Conn): void {
    const pool = this.idle.get(origin);
    const i = pool ? pool.indexOf(c) : -1;
    if (pool && i >= 0) pool.splice(i, 1);
  }
}
