import { connect as netConnect, isIP } from 'node:net';
import { connect as tlsConnect, rootCertificates } from 'node:tls';
import { Conn } from './conn.ts';
import { Http1Error } from './errors.ts';
import { requestHead } from './head.ts';
import type { Http1Response } from './reader.ts';

export interface Http1Request {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: Buffer;
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

const resendable = (e: unknown): boolean =>
  e instanceof Http1Error ? e.kind === 'closed' : RESEND_CODES.has((e as NodeJS.ErrnoException).code ?? '');

/**
 * Keep-alive HTTP/1.1 connection pools per origin over net/tls sockets, shared by the registry and the
 * transparency-log clients: one write per request (head and body together), one parse of the head, no stream
 * objects per request. node:http costs about 0.15 ms of CPU per request more (ClientRequest, IncomingMessage,
 * agent bookkeeping), fetch ~1.6 ms. Failures are node's socket/TLS errors or Http1Error; never translated here.
 */
export class Http1Client {
  private readonly idle = new Map<string, Conn[]>();
  private readonly active = new Map<string, number>();
  private readonly waiting = new Map<string, (() => void)[]>();
  private readonly ca: (string | Buffer)[] | undefined;
  private readonly idleMs: number;
  private sweeper: NodeJS.Timeout | undefined;

  constructor(private readonly opts: Http1Options) {
    this.ca = opts.ca ? [...rootCertificates, opts.ca] : undefined;
    this.idleMs = opts.idleMs ?? opts.timeoutMs;
  }

  async request(req: Http1Request): Promise<Http1Response> {
    const u = req.url;
    if (u.protocol !== 'http:' && u.protocol !== 'https:')
      throw new Http1Error('bad-request', `unsupported URL scheme ${u.protocol}`);
    const origin = `${u.protocol}//${u.host}`;
    const sendsBody = req.body !== undefined || ['POST', 'PUT', 'PATCH'].includes(req.method);
    let head: Buffer;
    try {
      head = requestHead(req.method, u, req.headers, sendsBody ? (req.body?.length ?? 0) : undefined);
    } catch (e) {
      throw new Http1Error('bad-request', (e as Error).message);
    }
    const conn = await this.acquire(origin, u, false);
    try {
      return await conn.exchange(req.method, req.maxBytes, head, req.body);
    } catch (e) {
      // a kept-alive socket the server closed while it was idle: no answer came, so send it once more
      if (!conn.reused || conn.received || !resendable(e)) throw e;
      return (await this.acquire(origin, u, true)).exchange(req.method, req.maxBytes, head, req.body);
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
      conn.idleSince = Date.now();
      const pool = this.idle.get(origin);
      if (pool) pool.push(conn);
      else this.idle.set(origin, [conn]);
      // one timer per client, not per socket: no timer work per request
      this.sweeper ??= setInterval(() => this.sweep(), Math.max(10, this.idleMs / 2)).unref();
    }
    this.waiting.get(origin)?.shift()?.();
  }

  private connect(origin: string, u: URL): Promise<Conn> {
    const https = u.protocol === 'https:';
    const host = u.hostname.replace(/^\[|\]$/g, '');
    const port = Number(u.port || (https ? 443 : 80));
    const { timeoutMs } = this.opts;
    return new Promise<Conn>((resolve, reject) => {
      const socket = https
        ? tlsConnect({
            host,
            port,
            // SNI takes names only; the certificate is still checked against the IP (checkServerIdentity)
            ...(isIP(host) ? {} : { servername: host }),
            ...(this.ca ? { ca: this.ca } : {}),
            rejectUnauthorized: this.opts.insecure !== true,
            ALPNProtocols: ['http/1.1'],
          })
        : netConnect({ host, port });
      const timer = setTimeout(
        () => socket.destroy(new Http1Error('timeout', `connect timed out after ${timeoutMs} ms`)),
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

  /** Close connections idle for idleMs (servers drop them anyway; a closing test server waits for them). */
  private sweep(): void {
    const old = Date.now() - this.idleMs;
    let left = 0;
    for (const [origin, pool] of this.idle) {
      const keep = pool.filter((c) => c.idleSince > old);
      for (const c of pool) if (c.idleSince <= old) c.socket.destroy();
      if (keep.length) this.idle.set(origin, keep);
      else this.idle.delete(origin);
      left += keep.length;
    }
    if (left === 0) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }

  private forget(origin: string, c: Conn): void {
    const pool = this.idle.get(origin);
    const i = pool ? pool.indexOf(c) : -1;
    if (pool && i >= 0) pool.splice(i, 1);
  }
}
