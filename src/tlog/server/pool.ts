import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { EntryError, HttpError } from './errors.ts';
import { prepareProposed } from './kinds/index.ts';
import type { Prepared } from './kinds/index.ts';

/** Worker reply: a prepared entry, or the error to answer with. */
export type WorkerReply =
  | { id: number; ok: true; body: Uint8Array; searchKeys: string[]; attestation: Uint8Array | null }
  | { id: number; ok: false; entry: boolean; status: number; message: string };

interface Waiter {
  resolve: (p: Prepared) => void;
  reject: (e: unknown) => void;
  body: Buffer;
  /** Set when the job is posted. */
  worker?: Worker;
}

/** Parse a request body and verify + canonicalise the proposed entry (same thread). */
export function prepareBody(body: Uint8Array): Prepared {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(body).toString('utf8'));
  } catch (e) {
    throw new HttpError(400, `parsing body body from "" failed, because ${(e as Error).message}`);
  }
  return prepareProposed(value);
}

/** Default: one verification worker when there is a second core, so HTTP/integration and ECDSA verify overlap. */
export function defaultWorkers(): number {
  return availableParallelism() > 1 ? 1 : 0;
}

/** One request body for a worker; jobs posted in the same event-loop turn travel in one message. */
export interface Job {
  id: number;
  body: Uint8Array;
}

export interface PoolOptions {
  /**
   * With at most this many entry requests in flight, entries are prepared in the calling thread: a message
   * to a sleeping worker and its reply (two thread wake-ups) cost more CPU than they save when the event loop
   * has time to spare. Default 16.
   */
  inlineUpTo?: number;
}

/**
 * Signature verification and canonicalisation off the event loop, in worker threads, under load.
 * With 0 workers, few requests in flight, or after a worker dies, entries are prepared in the calling thread.
 */
export class VerifyPool {
  private readonly workers: Worker[] = [];
  private readonly waiting = new Map<number, Waiter>();
  private queued: Job[] = [];
  private nextId = 1;
  private turn = 0;
  private readonly inlineUpTo: number;

  constructor(size: number, o: PoolOptions = {}) {
    this.inlineUpTo = o.inlineUpTo ?? 16;
    const api = pathToFileURL(
      resolve(import.meta.dirname, '../../../node_modules/tsx/dist/esm/api/index.mjs'),
    ).href;
    const target = new URL('./verify-worker.ts', import.meta.url).href;
    // .ts workers need tsx registered inside the worker thread (execArgv loaders are not inherited on Node 20)
    const code = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(target)}); });`;
    for (let i = 0; i < size; i++) {
      const w = new Worker(code, { eval: true });
      w.on('message', (m: { replies: WorkerReply[] }) => m.replies.forEach((r) => this.settle(r)));
      w.on('error', () => this.drop(w));
      w.on('exit', () => this.drop(w));
      w.unref();
      this.workers.push(w);
    }
  }

  private settle(r: WorkerReply): void {
    const w = this.waiting.get(r.id);
    if (!w) return;
    this.waiting.delete(r.id);
    if (r.ok)
      w.resolve({
        body: Buffer.from(r.body.buffer, r.body.byteOffset, r.body.byteLength),
        searchKeys: r.searchKeys,
        attestation: r.attestation ? Buffer.from(r.attestation) : null,
      });
    else w.reject(r.entry ? new EntryError(r.message) : new HttpError(r.status, r.message));
  }

  /** A dead worker: stop using it and prepare what it had in flight in this thread instead. */
  private drop(w: Worker): void {
    const i = this.workers.indexOf(w);
    if (i >= 0) this.workers.splice(i, 1);
    for (const [id, waiter] of this.waiting) if (waiter.worker === w) this.prepareHere(id);
  }

  /** Prepare one request body; `load` is the number of entry requests in flight (default: treat as busy). */
  async prepare(body: Buffer, load = Infinity): Promise<Prepared> {
    if (this.workers.length === 0 || load <= this.inlineUpTo) return prepareBody(body);
    const id = this.nextId++;
    return new Promise<Prepared>((res, rej) => {
      this.waiting.set(id, { resolve: res, reject: rej, body });
      // an exact-size copy, transferred: a pooled Buffer would clone its whole 8 KiB slab
      if (this.queued.push({ id, body: new Uint8Array(body) }) === 1) setImmediate(() => this.post());
    });
  }

  /** Everything queued in this event-loop turn goes to the next worker in one message. */
  private post(): void {
    const jobs = this.queued;
    this.queued = [];
    const w = this.workers[this.turn++ % Math.max(1, this.workers.length)];
    for (const j of jobs) {
      const waiter = this.waiting.get(j.id);
      if (waiter) waiter.worker = w;
    }
    if (w)
      w.postMessage(
        { jobs },
        jobs.map((j) => j.body.buffer as ArrayBuffer),
      );
    else for (const j of jobs) this.prepareHere(j.id);
  }

  /** Prepare a waiting job in this thread (no worker left). */
  private prepareHere(id: number): void {
    const waiter = this.waiting.get(id);
    if (!waiter) return;
    this.waiting.delete(id);
    try {
      waiter.resolve(prepareBody(waiter.body));
    } catch (e) {
      waiter.reject(e);
    }
  }

  async close(): Promise<void> {
    const ws = this.workers.splice(0);
    await Promise.all(ws.map((w) => w.terminate()));
  }
}
