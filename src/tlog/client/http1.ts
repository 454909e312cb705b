import { isIP, connect as netConnect } from 'node:net';
import type { Socket } from 'node:net';
import { rootCertificates, connect as tlsConnect } from 'node:tls';
import type { HttpAnswer } from './http.ts';
import { parseResponse } from './http1-parse.ts';
import type { Parsed } from './http1-parse.ts';

export interface Http1Options {
  timeoutMs: number;
  /** extra PEM CA for https */
  ca?: string;
  maxSockets: number;
}

interface Pending {
  head: string;
  json: string | undefined;
  resolve: (a: HttpAnswer) => void;
  reject: (e: Error) => void;
  retried: boolean;
}

/** One kept-alive connection: at most one request in flight (no pipelining). */
interface Conn {
  socket: Socket;
  used: boolean;
  closed: boolean;
  chunks: Buffer[];
  job?: Pending;
}

/**
 * A minimal HTTP/1.1 client for one origin over kept-alive sockets: each request is one write, each answer is
 * framed by Content-Length, chunked encoding or connection close (RFC 9112 §6.3). It costs about a third of the
 * CPU of node:http per request, which matters at two uploads per signed run; Rekor answers are small JSON.
 */
export class Http1Origin {
  private readonly idle: Conn[] = [];
  private readonly waiting: Pending[] = [];
  private open = 0;
  private readonly host: string;
  private readonly port: number;
  private readonly hostHeader: string;

  constructor(
    private readonly origin: URL,
    private readonly o: Http1Options,
  ) {
    this.host = origin.hostname.replace(/^\[(.*)\]$/, '$1');
    this.port = Number(origin.port) || (origin.protocol === 'https:' ? 443 : 80);
    this.hostHeader = origin.host;
  }

  request(method: string, path: string, json?: string): Promise<HttpAnswer> {
    let head = `${method} ${path} HTTP/1.1\r\nHost: ${this.hostHeader}\r\nAccept: application/json\r\n`;
    head +=
      json === undefined
        ? '\r\n'
        : `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(json)}\r\n\r\n`;
    return new Promise((resolve, reject) => this.dispatch({ head, json, resolve, reject, retried: false }));
  }

  private dispatch(job: Pending): void {
    const conn = this.idle.pop();
    if (conn) return this.send(conn, job);
    if (this.open < this.o.maxSockets) return this.send(this.connect(), job);
    this.waiting.push(job);
  }

  private connect(): Conn {
    this.open++;
    const socket =
      this.origin.protocol === 'https:'
        ? tlsConnect({
            host: this.host,
            port: this.port,
            ...(isIP(this.host) ? {} : { servername: this.host }),
            ALPNProtocols: ['http/1.1'],
            ...(this.o.ca ? { ca: [...rootCertificates, this.o.ca] } : {}),
          })
        : netConnect({ host: this.host, port: this.port });
    socket.setNoDelay(true);
    socket.setTimeout(this.o.timeoutMs);
    const conn: Conn = { socket, used: false, closed: false, chunks: [] };
    socket.on('data', (c: Buffer) => this.onData(conn, c));
    socket.on('timeout', () => this.drop(conn, new Error(`no answer within ${this.o.timeoutMs} ms`), false));
    socket.on('error', (e) => this.drop(conn, e, true));
    socket.on('end', () => this.onEnd(conn));
    socket.on('close', () => this.drop(conn, new Error('connection closed before the answer'), true));
    return conn;
  }

  private send(conn: Conn, job: Pending): void {
    conn.job = job;
    conn.chunks = [];
    conn.socket.ref();
    conn.socket.write(job.json === undefined ? job.head : job.head + job.json);
  }

  private onData(conn: Conn, chunk: Buffer): void {
    conn.chunks.push(chunk);
    if (!conn.job) return this.drop(conn, new Error('data without a request'), false);
    const buf = conn.chunks.length === 1 ? chunk : Buffer.concat(conn.chunks);
    conn.chunks = [buf];
    const parsed = parseResponse(buf, false);
    if (parsed === 'incomplete') return;
    this.finish(conn, parsed);
  }

  /** The server closed its side: an answer framed by connection close ends here. */
  private onEnd(conn: Conn): void {
    if (!conn.job || conn.chunks.length === 0) return;
    const parsed = parseResponse(Buffer.concat(conn.chunks), true);
    if (parsed !== 'incomplete') this.finish(conn, parsed);
  }

  private finish(conn: Conn, p: Parsed | Error): void {
    const job = conn.job;
    conn.job = undefined;
    conn.chunks = [];
    if (p instanceof Error) {
      job?.reject(p);
      conn.socket.destroy();
      return;
    }
    conn.used = true;
    if (p.keepAlive && !conn.socket.destroyed) this.release(conn);
    else conn.socket.destroy();
    job?.resolve(p.answer);
  }

  private release(conn: Conn): void {
    const next = this.waiting.shift();
    if (next) this.send(conn, next);
    else {
      conn.socket.unref(); // an idle kept-alive socket must not keep a CLI process alive
      this.idle.push(conn);
    }
  }

  /** A socket failed or closed: fail (or, on a reused socket with no answer yet, retry once) its request. */
  private drop(conn: Conn, e: Error, retryable: boolean): void {
    const i = this.idle.indexOf(conn);
    if (i >= 0) this.idle.splice(i, 1);
    const job = conn.job;
    conn.job = undefined;
    if (!conn.socket.destroyed) conn.socket.destroy();
    if (!conn.closed) {
      this.open--;
      conn.closed = true;
    }
    if (job) {
      // a kept-alive socket the server closed meanwhile: the request never reached it, send it again
      if (retryable && conn.used && conn.chunks.length === 0 && !job.retried)
        this.dispatch({ ...job, retried: true });
      else job.reject(e);
    }
    const next = this.waiting.shift();
    if (next) this.dispatch(next);
  }
}
