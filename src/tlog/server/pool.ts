import { Worker } from 'node:worker_threads';
import { EntryError, HttpError } from './errors.ts';
import type { EntryErrorCode } from './errors.ts';
import { DEFAULT_POLICY, SigningPolicy } from './policy.ts';
import { prepareProposed } from './prepare.ts';
import type { Prepared } from './prepare.ts';
import { packJobs, unpackReplies } from './packing.ts';
import type { PackedJobs, PackedReplies } from './packing.ts';
import { INLINE_VERIFY_UP_TO, WORKER_BODIES_PER_MESSAGE, WORKER_MAX_OUTSTANDING } from './tuning.ts';

/** Worker reply: a prepared entry, or the error to answer with. */
export type WorkerReply =
  | {
      id: number;
      ok: true;
      body: Uint8Array;
      uuid: Uint8Array;
      keys: Uint8Array;
      attestation: Uint8Array | null;
    }
  | { id: number; ok: false; entry: EntryErrorCode | ''; status: number; message: string };

/** Messages to a worker: request bodies to prepare, or the signing policy. */
export type ToWorker = { jobs: PackedJobs } | { policy: readonly string[] };
export interface FromWorker {
  replies: PackedReplies;
}

interface Waiter {
  /** The worker's answer. */
  reply: (r: WorkerReply) => void;
  /** Do the work in this thread instead (the worker died). */
  here: () => void;
  /** Set when the job is posted. */
  worker?: Worker;
}

/** Parse a request body and verify + canonicalise the proposed entry (same thread). */
export function prepareBody(body: Uint8Array, policy: SigningPolicy = DEFAULT_POLICY): Prepared {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch (e) {
    throw new HttpError(400, `parsing body body from "" failed, because ${(e as Error).message}`);
  }
  return prepareProposed(value, policy);
}

function settlePrepared(r: WorkerReply, res: (p: Prepared) => void, rej: (e: unknown) => void): void {
  const buf = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  if (r.ok)
    res({
      body: buf(r.body),
      uuid: buf(r.uuid),
      keys: buf(r.keys),
      attestation: r.attestation ? Buffer.from(r.attestation) : null,
    });
  else rej(r.entry ? new EntryError(r.message, undefined, r.entry) : new HttpError(r.status, r.message));
}

/** One request body for a worker; jobs posted in the same event-loop turn travel in one message. */
export interface Job {
  id: number;
  body: Uint8Array;
}

/**
 * The worker's entry: dist/verify-worker.js beside the bundle's chunks (scripts/build.ts), or, running from the
 * sources, the .ts file, which the TypeScript loader given to node with --import (inherited by worker threads)
 * compiles.
 */
const WORKER_URL = new URL(
  import.meta.url.endsWith('.ts') ? './verify-worker.ts' : './verify-worker.js',
  import.meta.url,
);

/**
 * Signature verification and canonicalisation off the event loop, in worker threads, under load.
 * With 0 workers, few requests in flight, or after a worker dies, entries are prepared in the calling thread.
 */
export class VerifyPool {
  private readonly workers: Worker[] = [];
  private readonly waiting = new Map<number, Waiter>();
  private queued: Job[] = [];
  /** Messages a worker has not answered yet. */
  private readonly outstanding = new Map<Worker, number>();
  private nextId = 1;
  private policy: SigningPolicy = DEFAULT_POLICY;

  constructor(size: number) {
    for (let i = 0; i < size; i++) {
      const w = new Worker(WORKER_URL);
      w.on('message', (m: FromWorker) => {
        this.outstanding.set(w, (this.outstanding.get(w) ?? 1) - 1);
        for (const r of unpackReplies(m.replies)) this.settle(r.id, r);
        if (this.queued.length > 0) this.post();
      });
      w.on('error', () => this.drop(w));
      w.on('exit', () => this.drop(w));
      w.unref();
      this.workers.push(w);
      this.outstanding.set(w, 0);
    }
  }

  private settle(id: number, r: WorkerReply): void {
    const w = this.waiting.get(id);
    if (!w) return;
    this.waiting.delete(id);
    w.reply(r);
  }

  /** A dead worker: stop using it and do what it had in flight in this thread instead. */
  private drop(w: Worker): void {
    const i = this.workers.indexOf(w);
    if (i >= 0) this.workers.splice(i, 1);
    this.outstanding.delete(w);
    for (const [id, waiter] of this.waiting)
      if (waiter.worker === w) {
        this.waiting.delete(id);
        waiter.here();
      }
    if (this.queued.length > 0) this.post();
  }

  /** Prepare one request body; `load` is the number of entry requests in flight (default: treat as busy). */
  async prepare(body: Buffer, load = Infinity): Promise<Prepared> {
    if (this.workers.length === 0 || load <= INLINE_VERIFY_UP_TO) return prepareBody(body, this.policy);
    const id = this.nextId++;
    return new Promise<Prepared>((res, rej) => {
      const here = (): void => {
        try {
          res(prepareBody(body, this.policy));
        } catch (e) {
          rej(e);
        }
      };
      this.waiting.set(id, { reply: (r) => settlePrepared(r, res, rej), here });
      if (this.queued.push({ id, body }) === 1) setImmediate(() => this.post());
    });
  }

  /**
   * What is queued goes to the least busy worker, WORKER_BODIES_PER_MESSAGE bodies a message. A worker with
   * WORKER_MAX_OUTSTANDING unanswered messages gets nothing more: bodies queue up here meanwhile and travel when it answers.
   */
  private post(): void {
    while (this.queued.length > 0) if (!this.postSome()) return;
  }

  private postSome(): boolean {
    const w = this.nextWorker();
    if (w && (this.outstanding.get(w) ?? 0) >= WORKER_MAX_OUTSTANDING) return false;
    const jobs = this.queued.splice(0, WORKER_BODIES_PER_MESSAGE);
    for (const j of jobs) {
      const waiter = this.waiting.get(j.id);
      if (waiter) waiter.worker = w;
      if (waiter && !w) {
        this.waiting.delete(j.id);
        waiter.here();
      }
    }
    if (!w) return true;
    const packed = packJobs(jobs);
    this.send(w, { jobs: packed }, [packed.data]);
    return true;
  }

  private send(w: Worker, m: ToWorker, transfer: ArrayBuffer[] = []): void {
    this.outstanding.set(w, (this.outstanding.get(w) ?? 0) + 1);
    w.postMessage(m, transfer);
  }

  /** The worker with the fewest unanswered messages. */
  private nextWorker(): Worker | undefined {
    let best: Worker | undefined;
    for (const w of this.workers)
      if (!best || (this.outstanding.get(w) ?? 0) < (this.outstanding.get(best) ?? 0)) best = w;
    return best;
  }

  /** The allowed client signing algorithms (Rekor flag names; validated here), here and in every worker. */
  usePolicy(names: readonly string[]): void {
    this.policy = new SigningPolicy(names);
    for (const w of this.workers) w.postMessage({ policy: [...names] } satisfies ToWorker);
  }

  async close(): Promise<void> {
    const ws = this.workers.splice(0);
    await Promise.all(ws.map((w) => w.terminate()));
  }
}
