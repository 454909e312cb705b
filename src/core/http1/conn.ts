import type { Socket } from 'node:net';
import { Http1Error } from './errors.ts';
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
  /** bytes of the current answer arrived */
  received = false;
  /** the pool's hook: hand the connection back (keep) or drop it */
  done: (keep: boolean) => void = () => {};
  private reader: ResponseReader | undefined;
  private settle: Settle | undefined;

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

  exchange(method: string, maxBytes: number, head: Buffer, body: Buffer | undefined): Promise<Http1Response> {
    this.reader = new ResponseReader(method, maxBytes);
    this.received = false;
    return new Promise<Http1Response>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          this.fail(new Http1Error('timeout', `no answer within ${this.timeoutMs} ms (request timed out)`)),
        this.timeoutMs,
      );
      this.settle = (e, r) => {
        clearTimeout(timer);
        this.settle = undefined;
        if (e) reject(e);
        else resolve(r as Http1Response);
      };
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
    if (this.settle && reader) return this.answer(reader.end(), false);
    this.onIdleClose(this);
  }
}
