import { STATUS_CODES } from 'node:http';
import type { Server as HttpServer } from 'node:http';
import { createServer } from 'node:net';
import type { Server as NetServer, Socket } from 'node:net';
import type { Answer } from './answer.ts';
import { serveRoute } from './routes.ts';
import type { Route } from './routes.ts';
import { FAST_BODY_MS as BODY_MS, FAST_MAX_HEAD as MAX_HEAD, KEEP_ALIVE_MS } from './tuning.ts';

/**
 * Stage 1 of the append path, receive: the fast path for plain appends (see FastConnection). In: a connection's
 * bytes. Out: requests to the route table's fast routes, answered in one write; everything else to node:http.
 */

/** A fast route and its request line, `POST <path> HTTP/1.1`. */
type FastRoute = { line: string; route: Route };

let dateSecond = 0;
let dateText = '';
/** The Date header, formatted once per second (as Node's http does). */
function httpDate(): string {
  const now = Date.now();
  if (now - dateSecond >= 1000) {
    dateSecond = now - (now % 1000);
    dateText = new Date(dateSecond).toUTCString();
  }
  return dateText;
}

const NO_QUERY = new URLSearchParams();

/** A field name (RFC 9110 token: no spaces, no colon); a value without control characters but HTAB. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// eslint-disable-next-line no-control-regex -- control bytes are what it looks for
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;

/**
 * Content-Length of a head that only the fast path may serve, else -1 (leave it to node:http). Strict: any
 * line node:http might read differently (bare CR or LF, obs-fold, space before the colon, control bytes) is
 * left to node:http, which answers it as it would without the fast path.
 */
function plainLength(head: string, skip: number): number {
  let length = -1;
  for (const line of head.slice(skip).split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0 || CONTROL.test(line)) return -1;
    const name = line.slice(0, colon);
    if (!TOKEN.test(name)) return -1;
    const value = line.slice(colon + 1).trim();
    switch (name.toLowerCase()) {
      case 'content-length':
        if (length >= 0 || !/^[0-9]{1,9}$/.test(value)) return -1;
        length = Number(value);
        break;
      case 'transfer-encoding':
      case 'expect':
      case 'upgrade':
        return -1;
      case 'connection':
        if (value.toLowerCase() !== 'keep-alive') return -1;
        break;
      default:
    }
  }
  return length;
}

/**
 * One connection: plain requests to the fast routes (HTTP/1.1, one Content-Length, keep-alive, the route's exact
 * path) are answered here, one at a time in order; the first request that is anything else (another route, chunked,
 * Expect, too big, malformed, Connection: close, HTTP/1.0) and everything after it go to node:http, which
 * gets the socket and the unread bytes. node:http's request/response objects cost ≈ 11 µs of the event loop
 * per request (loopback, keep-alive); this path writes the answer in one write.
 */
class FastConnection {
  private buf: Buffer | null = null;
  private busy = false;
  private gone = false;
  private deadline: NodeJS.Timeout | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly http: HttpServer,
    private readonly routes: readonly FastRoute[],
    private readonly maxBody: number,
  ) {
    socket.setNoDelay(true);
    socket.setTimeout(KEEP_ALIVE_MS, () => !this.busy && socket.destroy());
    socket.on('data', this.onData);
    socket.on('error', () => socket.destroy());
    socket.once('close', () => clearTimeout(this.deadline));
  }

  private readonly onData = (d: Buffer): void => {
    this.buf = this.buf ? Buffer.concat([this.buf, d]) : d;
    if (!this.busy) this.pump();
    // a client that keeps sending while its request is answered: stop reading until the answer is out
    else if (this.buf.length > this.maxBody + MAX_HEAD) this.socket.pause();
  };

  private pump(): void {
    while (this.buf && !this.busy && !this.gone) {
      const buf = this.buf;
      const end = buf.indexOf('\r\n\r\n');
      // a head that has not fully arrived goes to node:http, with its header timeouts (no slow heads here)
      if (end < 0 || end > MAX_HEAD) return this.handOff();
      const head = buf.toString('latin1', 0, end); // through the last header line, without its CRLF
      const fast = this.routes.find((r) => head.startsWith(r.line));
      const length = fast ? plainLength(head, fast.line.length) : -1;
      if (length < 0 || length > this.maxBody) return this.handOff();
      if (buf.length < end + 4 + length) {
        this.deadline ??= setTimeout(() => this.socket.destroy(), BODY_MS); // a body trickling in
        return;
      }
      clearTimeout(this.deadline);
      this.deadline = undefined;
      const body = buf.subarray(end + 4, end + 4 + length);
      this.buf = buf.length > end + 4 + length ? buf.subarray(end + 4 + length) : null;
      this.busy = true;
      const { route } = fast as FastRoute;
      const req = { method: route.method, path: route.path as string, query: NO_QUERY, body };
      void serveRoute(route, req).then(this.answer);
    }
  }

  private readonly answer = (a: Answer): void => {
    if (this.socket.destroyed) return void (this.busy = false);
    let head = `HTTP/1.1 ${a.status} ${STATUS_CODES[a.status] ?? 'Unknown'}\r\n`;
    for (let i = 0; i + 1 < a.headers.length; i += 2) head += `${a.headers[i]}: ${a.headers[i + 1]}\r\n`;
    const n = typeof a.body === 'string' ? Buffer.byteLength(a.body) : a.body.length;
    head += `Date: ${httpDate()}\r\nConnection: keep-alive\r\nContent-Length: ${n}\r\n\r\n`;
    this.socket.cork();
    this.socket.write(head, 'latin1');
    const more = this.socket.write(a.body);
    this.socket.uncork();
    // a client that does not read its answers: the next request waits until they are drained
    if (more) this.next();
    else this.socket.once('drain', this.next);
  };

  private readonly next = (): void => {
    this.busy = false;
    if (this.socket.isPaused()) this.socket.resume();
    if (this.buf) this.pump();
  };

  /** node:http takes the connection from here on, starting with the bytes not yet consumed. */
  private handOff(): void {
    this.gone = true;
    clearTimeout(this.deadline);
    const rest = this.buf;
    this.buf = null;
    this.socket.off('data', this.onData);
    this.socket.setTimeout(0);
    this.http.emit('connection', this.socket);
    if (rest) this.socket.emit('data', rest);
    if (this.socket.isPaused()) this.socket.resume();
  }
}

/**
 * A TCP server in front of a node:http server: plain requests to the table's fast routes are served directly,
 * everything else goes to `http` (see FastConnection). Close it with closeFast().
 */
export function withFastPath(
  http: HttpServer,
  table: readonly Route[],
  maxBody: number,
): NetServer & { closeFast(): Promise<void> } {
  const routes = table
    .filter((r) => r.fast && r.method === 'POST' && typeof r.path === 'string')
    .map((route) => ({ line: `${route.method} ${route.path as string} HTTP/1.1\r\n`, route }));
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    new FastConnection(socket, http, routes, maxBody);
  });
  return Object.assign(server, {
    closeFast: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
        http.closeAllConnections();
      }),
  });
}
