import { createServer, request, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { randomBytes } from 'node:crypto';

/** How the proxy treats the next requests. */
export type Fault =
  | { kind: 'pass' }
  /** accept and reset the connection: the service is unavailable */
  | { kind: 'down' }
  /** forward after `ms` */
  | { kind: 'slow'; ms: number }
  /** answer 200 with random bytes (or a truncated JSON) instead of forwarding */
  | { kind: 'garbage' }
  /** answer 503 with an HTML page */
  | { kind: 'error' }
  /** forward (the server acts on it) but reset the connection instead of returning the answer */
  | { kind: 'lose-answer' };

/**
 * A loopback HTTP proxy in front of one of our servers, switchable at run time between passing through,
 * resetting connections, delaying, and answering garbage (controller fault injection).
 */
export class FaultProxy {
  fault: Fault = { kind: 'pass' };
  /** requests seen per fault kind */
  readonly seen = new Map<string, number>();
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  host = '';

  constructor(private readonly target: string) {}

  async start(): Promise<this> {
    const t = new URL(this.target);
    this.server = createServer((req, res) => {
      const f = this.fault;
      this.seen.set(f.kind, (this.seen.get(f.kind) ?? 0) + 1);
      if (f.kind === 'down') return void req.socket.destroy();
      if (f.kind === 'garbage') {
        const body = Math.random() < 0.5 ? randomBytes(200) : Buffer.from('{"truncated": [1, 2');
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
        return void res.end(body);
      }
      if (f.kind === 'error') {
        res.writeHead(503, { 'content-type': 'text/html' });
        return void res.end('<html><body>503 Service Unavailable</body></html>');
      }
      const forward = (): void => {
        const up = request(
          { host: t.hostname, port: t.port, method: req.method, path: req.url, headers: req.headers },
          (ur) => {
            if (f.kind === 'lose-answer') {
              ur.resume();
              return void ur.on('end', () => req.socket.destroy());
            }
            res.writeHead(ur.statusCode ?? 502, ur.headers);
            ur.pipe(res);
          },
        );
        up.on('error', () => res.destroy());
        req.pipe(up);
      };
      if (f.kind === 'slow') setTimeout(forward, f.ms);
      else forward();
    });
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((ok) => this.server?.listen(0, '127.0.0.1', ok));
    this.host = `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Switch the fault; open keep-alive connections are dropped so clients see the change at once. */
  set(f: Fault): void {
    this.fault = f;
    for (const s of this.sockets) s.destroy();
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((ok) => (this.server ? this.server.close(() => ok()) : ok()));
  }
}
