import { rootCertificates } from 'node:tls';
import { Conn, openSocket } from './conn.ts';
import { Http1Error } from './errors.ts';
import { requestHead, type RequestHead } from './head.ts';
import type { Http1Response } from './reader.ts';

export interface Http1Request {
  method: string;
  /** the origin (scheme, host, port) and, unless `path` is given, the request-target */
  url: URL;
  /** request-target (path and query) sent as is, without parsing a URL per request */
  path?: string;
  headers: Record<string, string>;
  /** a string is sent as UTF-8 (written with the head, no Buffer made for it) */
  body?: Buffer | string;
  /** largest body accepted: a declared 2xx Content-Length over it fails at once, any body when it gets there */
  maxBytes: number;
}

export interface Http1Options {
  /** extra trusted CA certificates (PEM), added to the system roots */
  ca?: string | Buffer;
  /** skip certificate verification (cosign --allow-insecure-registry) */
  insecure?: boolean;
  /** per-origin connection cap; requests beyond it wait for a free connection */
  maxSockets: number;
  /** connect timeout, and the time from sending a request to its whole answer */
  timeoutMs: number;
  /** a pooled connection unused this long is closed (default timeoutMs) */
  idleMs?: number;
}

/** Failures of a reused connection that mean "closed by the server before it read the request". */
const RESEND_CODES = new Set(['ECONNRESET', 'EPIPE', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_WRITE_AFTER_END']);

const NOOP = (): void => {};
const WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

const resendable = (e: unknown): boolean =>
  e instanceof Http1Error ? e.kind === 'closed' : RESEND_CODES.has((e as NodeJS.ErrnoException).code ?? '');

/**
 * Keep-alive HTTP/1.1 connection pools per origin over net/tls sockets, shared by the registry and the
 * transparency-log clients: one write per request (head and body together), one parse of the head, no stream
 * objects per request. node:http costs about 0.15 ms of CPU per request more (ClientRequest, IncomingMessage,
 * agent bookkeeping), fetch ~1.8 ms per log upload. Failures are node's socket/TLS errors or Http1Error; never translated here.
 */
export class Http1Client {
  private readonly idle = new Map<string, Conn[]>();
  private readonly active = new Map<string, number>();
  private readonly waiting = new Map<string, (() => void)[]>();
  private readonly ca: (string | Buffer)[] | undefined;
  private readonly idleMs: number;
  /** every open connection (the ticker checks their deadlines), and how many carry a request now */
  private readonly conns = new Set<Conn>();
  private inflight = 0;
  /** one timer per client: request deadlines and idle sockets; ref'd only while requests are in flight */
  private ticker: NodeJS.Timeout | undefined;

  constructor(private readonly opts: Http1Options) {
    this.ca = opts.ca ? [...rootCertificates, opts.ca] : undefined;
    this.idleMs = opts.idleMs ?? opts.timeoutMs;
  }

  request(req: Http1Request): Promise<Http1Response> {
    const u = req.url;
    if (u.protocol !== 'http:' && u.protocol !== 'https:')
      return Promise.reject(new Http1Error('bad-request', `unsupported URL scheme ${u.protocol}`));
    const origin = `${u.protocol}//${u.host}`;
    const body = req.body;
    const sendsBody = body !== undefined || WITH_BODY.has(req.method);
    const length = !sendsBody
      ? undefined
      : typeof body === 'string'
        ? Buffer.byteLength(body)
        : (body?.length ?? 0);
    let head: RequestHead;
    try {
      head = requestHead(req.method, u, req.headers, length, req.path);
    } catch (e) {
      return Promise.reject(new Http1Error('bad-request', (e as Error).message));
    }
    const conn = this.idleConn(origin);
    if (conn) return this.attempt(conn, req, origin, head);
    return this.acquire(origin, u, false).then((c) => this.attempt(c, req, origin, head));
  }

  /** One exchange; a kept-alive socket the server closed while it was idle (no answer came) gets it once more. */
  private attempt(conn: Conn, req: Http1Request, origin: string, head: RequestHead): Promise<Http1Response> {
    return conn.exchange(req.method, req.maxBytes, head, req.body).catch((e: unknown) => {
      if (!conn.reused || conn.received || !resendable(e)) throw e;
      return this.acquire(origin, req.url, true).then((c) =>
        c.exchange(req.method, req.maxBytes, head, req.body),
      );
    });
  }

  /** A pooled connection taken at once when a slot is free (no promise, no turn of the event loop). */
  private idleConn(origin: string): Conn | undefined {
    if ((this.active.get(origin) ?? 0) >= this.opts.maxSockets) return undefined;
    const pool = this.idle.get(origin);
    let conn = pool?.pop();
    // the server's FIN may have ended a pooled socket whose 'close' has not been handled yet
    while (conn && (conn.socket.destroyed || !conn.socket.writable)) conn = pool?.pop();
    if (!conn) return undefined;
    this.active.set(origin, (this.active.get(origin) ?? 0) + 1);
    this.track(origin, conn);
    return conn;
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
        this.release(origin, undefined, false);
        throw e;
      }
    }
    this.track(origin, conn);
    return conn;
  }

  /** `conn` now carries a request: its deadline is watched and the process kept alive until it settles. */
  private track(origin: string, conn: Conn): void {
    conn.done = (keep) => this.release(origin, conn, keep);
    if (++this.inflight === 1) this.tick().ref();
  }

  /** One active slot freed; `conn` goes back to the idle pool when `keep`. */
  private release(origin: string, conn: Conn | undefined, keep: boolean): void {
    this.active.set(origin, (this.active.get(origin) ?? 1) - 1);
    if (conn) {
      conn.done = NOOP;
      if (--this.inflight === 0) this.ticker?.unref();
    }
    if (conn && keep) {
      conn.reused = true;
      conn.idleSince = Date.now();
      const pool = this.idle.get(origin);
      if (pool) pool.push(conn);
      else this.idle.set(origin, [conn]);
      this.tick();
    }
    this.waiting.get(origin)?.shift()?.();
  }

  /** The ticker, started when first needed (unref'd unless a request is in flight). */
  private tick(): NodeJS.Timeout {
    if (this.ticker) return this.ticker;
    const period = Math.max(10, Math.min(this.opts.timeoutMs, this.idleMs) / 4);
    this.ticker = setInterval(() => this.onTick(), period);
    if (this.inflight === 0) this.ticker.unref();
    return this.ticker;
  }

  private async connect(origin: string, u: URL): Promise<Conn> {
    const socket = await openSocket(u, this.ca, this.opts.insecure === true, this.opts.timeoutMs);
    const conn = new Conn(socket, this.opts.timeoutMs, (c) => this.forget(origin, c));
    this.conns.add(conn);
    return conn;
  }

  /** Time out late requests; close connections idle for idleMs (servers drop them anyway). */
  private onTick(): void {
    const now = Date.now();
    for (const c of this.conns) c.expire(now);
    const old = now - this.idleMs;
    let left = this.inflight;
    for (const [origin, pool] of this.idle) {
      const keep = pool.filter((c) => c.idleSince > old);
      for (const c of pool) if (c.idleSince <= old) c.socket.destroy();
      if (keep.length) this.idle.set(origin, keep);
      else this.idle.delete(origin);
      left += keep.length;
    }
    if (left === 0) {
      clearInterval(this.ticker);
      this.ticker = undefined;
    }
  }

  private forget(origin: string, c: Conn): void {
    this.conns.delete(c);
    const pool = this.idle.get(origin);
    const i = pool ? pool.indexOf(c) : -1;
    if (pool && i >= 0) pool.splice(i, 1);
  }
}
