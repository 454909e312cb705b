import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { Http1Error } from './errors.ts';
import type { RequestHead } from './head.ts';
import { ResponseReader, type Http1Response } from './reader.ts';

/** Below this size a request body goes out with its head in one write (one syscall, one segment). */
const INLINE_BODY = 64 * 1024;

type Settle = (e: Error | undefined, r?: Http1Response) => void;

/** One HTTP/1.1 exchange at a time on a kept-alive socket (no pipelining). */
export class Conn {
  /** served an earlier exchange: a failure before any answer may be the server's idle close */
  reused = false;
  /** when it went back to the pool (Date.now()) */
  idleSince = 0;
  /** when the current exchange times out (Date.now() ms) */
  deadline = Infinity;
  /** bytes of the current answer arrived */
  received = false;
  /** the pool's hook: hand the connection back (keep) or drop it */
  done: (keep: boolean) => void = () => {};
  private reader: ResponseReader | undefined;
  private settle: Settle | undefined;

  constructor(
    readonly socket: Socket,
    private readonly timeoutMs: number,
    /** the socket closed (after any answer or failure of its exchange was delivered) */
    private readonly onGone: (c: Conn) => void,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('error', (e) => this.fail(e));
    socket.on('close', () => this.onClose());
  }

  exchange(
    method: string,
    maxBytes: number,
    head: RequestHead,
    body: Buffer | string | undefined,
  ): Promise<Http1Response> {
    this.reader = new ResponseReader(method, maxBytes);
    this.received = false;
    this.deadline = Date.now() + this.timeoutMs;
    return new Promise<Http1Response>((resolve, reject) => {
      this.settle = (e, r) => {
        this.settle = undefined;
        this.deadline = Infinity;
        if (e) reject(e);
        else resolve(r as Http1Response);
      };
      this.send(head, body);
    });
  }

  /** Fail the exchange once its deadline passed (the client checks all with one timer, not one per request). */
  expire(now: number): void {
    if (this.settle && now >= this.deadline)
      this.fail(new Http1Error('timeout', `no answer within ${this.timeoutMs} ms (request timed out)`));
  }

  /** Head and body in one write where possible: a string body with an ASCII head as one UTF-8 string. */
  private send(head: RequestHead, body: Buffer | string | undefined): void {
    const s = this.socket;
    if (!body?.length) s.write(head.text, 'latin1');
    else if (typeof body === 'string' && !head.obsText) s.write(head.text + body);
    else if (typeof body !== 'string' && body.length <= INLINE_BODY)
      s.write(Buffer.concat([Buffer.from(head.text, 'latin1'), body]));
    else {
      s.cork();
      s.write(head.text, 'latin1');
      s.write(body);
      s.uncork();
    }
  }

  private onData(d: Buffer): void {
    const reader = this.reader;
    if (!this.settle || !reader) return void this.socket.destroy(); // bytes nobody asked for: not reusable
    this.received = true;
    const r = reader.push(d);
    if (r) this.answer(r, reader.reusable);
  }

  /** Answer the caller; the socket goes back to the pool unless the server closes it or sent extra bytes. */
  private answer(r: Http1Response | Http1Error, keep: boolean): void {
    if (r instanceof Http1Error) return this.fail(r);
    const settle = this.settle;
    this.settle = undefined;
    this.reader = undefined;
    if (!keep) this.socket.destroy();
    this.done(keep);
    settle?.(undefined, r);
  }

  private fail(e: Error): void {
    const settle = this.settle;
    this.settle = undefined;
    this.reader = undefined;
    this.socket.destroy();
    if (settle) {
      this.done(false);
      settle(e);
    }
  }

  private onClose(): void {
    const reader = this.reader;
    if (this.settle && reader) this.answer(reader.end(), false);
    this.onGone(this);
  }
}

/** A connected socket to the URL's origin (TLS for https: SNI for names, `ca` when given, http/1.1 by ALPN). */
export function openSocket(
  u: URL,
  ca: (string | Buffer)[] | undefined,
  insecure: boolean,
  timeoutMs: number,
): Promise<Socket> {
  const https = u.protocol === 'https:';
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const port = Number(u.port || (https ? 443 : 80));
  return new Promise<Socket>((resolve, reject) => {
    const socket = https
      ? tlsConnect({
          host,
          port,
          // SNI takes names only; the certificate is still checked against the IP (checkServerIdentity)
          ...(isIP(host) ? {} : { servername: host }),
          ...(ca ? { ca } : {}),
          rejectUnauthorized: !insecure,
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
      // never keeps the process alive by itself: the client's ticker is ref'd while a request is in flight
      socket.unref();
      resolve(socket);
    });
  });
}
