import { Worker } from 'node:worker_threads';
import { EntryError, HttpError } from './errors.ts';
import { DEFAULT_POLICY, SigningPolicy } from './policy.ts';
import { prepareProposed } from './prepare.ts';
import type { Prepared } from './prepare.ts';
import { packJobs, unpackReplies } from './packing.ts';
import type { ToWorker, FromWorker, WorkerReply } from './packing.ts';
import { parseBody } from './parse.ts';
import { INLINE_VERIFY_UP_TO, WORKER_BODIES_PER_MESSAGE, WORKER_MAX_OUTSTANDING } from './tuning.ts';

/**
 * Stage 3 of the append path, verify. In: a request body and the load (appends in flight). Out: the verified
 * entry in the form the log stores (prepare.ts), or the error to answer with. The one setting is the number of
 * worker threads (0: every entry in the event loop); with workers, entries are still verified in the event loop
 * while the load is light (tuning.ts INLINE_VERIFY_UP_TO), or after a worker died.
 */

/** An entry waiting for a worker's answer. */
interface Waiter {
  body: Buffer;
  res: (p: Prepared) => void;
  rej: (e: unknown) => void;
  /** Set when the job is posted. */
  worker?: Worker;
}

/** Parse a request body and verify + canonicalise the proposed entry (same thread). */
export function prepareBody(body: Uint8Array, policy: SigningPolicy = DEFAULT_POLICY): Prepared {
  return prepareProposed(parseBody(body), policy);
}

function settle({ res, rej }: Waiter, r: WorkerReply): void {
  const buf = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  if (!r.ok)
    return rej(r.entry ? new EntryError(r.message, undefined, r.entry) : new HttpError(r.status, r.message));
  const attestation = r.attestation ? Buffer.from(r.attestation) : null;
  res({ body: buf(r.body), uuid: buf(r.uuid), keys: buf(r.keys), attestation });
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
        for (const r of unpackReplies(m.replies)) {
          const waiter = this.waiting.get(r.id);
          if (waiter && this.waiting.delete(r.id)) settle(waiter, r);
        }
        if (this.queued.length > 0) this.post();
      });
      w.on('error', () => this.drop(w));
      w.on('exit', () => this.drop(w));
      w.unref();
      this.workers.push(w);
      this.outstanding.set(w, 0);
    }
  }

  /** A dead worker: stop using it and do what it had in flight in this thread instead. */
  private drop(w: Worker): void {
    const i = this.workers.indexOf(w);
    if (i >= 0) this.workers.splice(i, 1);
    this.outstanding.delete(w);
    for (const [id, waiter] of this.waiting) if (waiter.worker === w) this.here(id, waiter);
    if (this.queued.length > 0) this.post();
  }

  /** Prepare a waiting entry in this thread after all. */
  private here(id: number, w: Waiter): void {
    this.waiting.delete(id);
    try {
      w.res(prepareBody(w.body, this.policy));
    } catch (e) {
      w.rej(e);
    }
  }

  /** Prepare one request body; `load` is the number of entry requests in flight (default: treat as busy). */
  async prepare(body: Buffer, load = Infinity): Promise<Prepared> {
    if (this.workers.length === 0 || load <= INLINE_VERIFY_UP_TO) return prepareBody(body, this.policy);
    const id = this.nextId++;
    return new Promise<Prepared>((res, rej) => {
      this.waiting.set(id, { body, res, rej });
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
      if (waiter && w) waiter.worker = w;
      else if (waiter) this.here(j.id, waiter);
    }
    if (!w) return true;
    const packed = packJobs(jobs);
    this.outstanding.set(w, (this.outstanding.get(w) ?? 0) + 1);
    w.postMessage({ jobs: packed } satisfies ToWorker, [packed.data]);
    return true;
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
