import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { EntryError, HttpError } from './errors.ts';
import type { EntryErrorCode } from './errors.ts';
import { DEFAULT_POLICY, SigningPolicy } from './policy.ts';
import { prepareProposed } from './prepare.ts';
import type { Prepared } from './prepare.ts';
import type { LogKey } from './logkey.ts';
import { packJobs, unpackReplies } from './packing.ts';
import type { PackedJobs, PackedReplies } from './packing.ts';
import { signSet } from './sets.ts';
import type { SetItem } from './sets.ts';

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

/** Messages to a worker: request bodies to prepare, the log key, SETs to sign. */
export type ToWorker =
  | { jobs: PackedJobs }
  | { key: { privateKey: LogKey['privateKey']; logId: string } }
  | { policy: readonly string[] }
  | { sets: { id: number; items: SetItem[] } };
export type FromWorker = { replies: PackedReplies } | { signed: { id: number; sigs: Uint8Array[] } };

interface Waiter {
  /** The worker's answer. */
  reply: (r: WorkerReply | Uint8Array[]) => void;
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

/** Default: one verification worker when there is a second core, so HTTP/integration and ECDSA verify overlap. */
export function defaultWorkers(): number {
  return availableParallelism() > 1 ? 1 : 0;
}

/**
 * Unanswered messages per worker before bodies wait here, and bodies per message. Small messages keep both
 * threads busy: the event loop integrates the first verified entries while the worker verifies the next ones
 * (64 clients, A/B on a quiet machine: one message of everything, at most 2 unanswered: 3,770–3,830/s; 16 per
 * message, at most 6: 4,770–5,010/s at the same CPU per append).
 */
const MAX_OUTSTANDING = 6;
const PER_MESSAGE = 16;

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
  /**
   * Batches of at least this many SETs are signed in a worker (when there is one). Default: never. Measured
   * with 64 clients: signing in the worker left it the busier thread (event loop 124–138 µs per append,
   * other threads 202–207 µs); signing here balances them (160 / 170 µs) at the same total CPU.
   */
  workerSetsFrom?: number;
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
  private readonly inlineUpTo: number;
  private readonly setsFrom: number;
  private key: LogKey | null = null;
  private policy: SigningPolicy = DEFAULT_POLICY;

  constructor(size: number, o: PoolOptions = {}) {
    this.inlineUpTo = o.inlineUpTo ?? 16;
    this.setsFrom = o.workerSetsFrom ?? Infinity;
    for (let i = 0; i < size; i++) {
      const w = new Worker(WORKER_URL);
      w.on('message', (m: FromWorker) => {
        this.outstanding.set(w, (this.outstanding.get(w) ?? 1) - 1);
        if ('replies' in m) for (const r of unpackReplies(m.replies)) this.settle(r.id, r);
        else this.settle(m.signed.id, m.signed.sigs);
        if (this.queued.length > 0) this.post();
      });
      w.on('error', () => this.drop(w));
      w.on('exit', () => this.drop(w));
      w.unref();
      this.workers.push(w);
      this.outstanding.set(w, 0);
    }
  }

  private settle(id: number, r: WorkerReply | Uint8Array[]): void {
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
    if (this.workers.length === 0 || load <= this.inlineUpTo) return prepareBody(body, this.policy);
    const id = this.nextId++;
    return new Promise<Prepared>((res, rej) => {
      const here = (): void => {
        try {
          res(prepareBody(body, this.policy));
        } catch (e) {
          rej(e);
        }
      };
      this.waiting.set(id, { reply: (r) => settlePrepared(r as WorkerReply, res, rej), here });
      if (this.queued.push({ id, body }) === 1) setImmediate(() => this.post());
    });
  }

  /**
   * What is queued goes to the least busy worker, PER_MESSAGE bodies a message. A worker with MAX_OUTSTANDING
   * unanswered messages gets nothing more: bodies queue up here meanwhile and travel when it answers.
   */
  private post(): void {
    while (this.queued.length > 0) if (!this.postSome()) return;
  }

  private postSome(): boolean {
    const w = this.nextWorker();
    if (w && (this.outstanding.get(w) ?? 0) >= MAX_OUTSTANDING) return false;
    const jobs = this.queued.splice(0, PER_MESSAGE);
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

  /** The log key, for signing SETs in the workers (KeyObjects are cloned into worker threads). */
  useLogKey(key: LogKey): void {
    this.key = key;
    for (const w of this.workers)
      w.postMessage({ key: { privateKey: key.privateKey, logId: key.logId } } satisfies ToWorker);
  }

  /** The allowed client signing algorithms (Rekor flag names; validated here), here and in every worker. */
  usePolicy(names: readonly string[]): void {
    this.policy = new SigningPolicy(names);
    for (const w of this.workers) w.postMessage({ policy: [...names] } satisfies ToWorker);
  }

  /** Sign the SETs of a batch: in a worker for big batches (that thread has the spare core), else here. */
  async signSets(items: SetItem[]): Promise<Buffer[]> {
    const key = this.key;
    if (!key) throw new Error('VerifyPool.useLogKey was not called');
    const here = (): Buffer[] => items.map((i) => signSet(key.privateKey, key.logId, i));
    const w = items.length >= this.setsFrom ? this.nextWorker() : undefined;
    if (!w) return here();
    const id = this.nextId++;
    return new Promise<Buffer[]>((res, rej) => {
      const local = (): void => {
        try {
          res(here());
        } catch (e) {
          rej(e);
        }
      };
      const reply = (r: WorkerReply | Uint8Array[]): void =>
        res((r as Uint8Array[]).map((s) => Buffer.from(s.buffer, s.byteOffset, s.byteLength)));
      this.waiting.set(id, { reply, here: local, worker: w });
      // exact-size copies: a pooled Buffer would clone its whole slab
      const copies = items.map((i) => ({ ...i, body: new Uint8Array(i.body) }));
      this.send(w, { sets: { id, items: copies } });
    });
  }

  async close(): Promise<void> {
    const ws = this.workers.splice(0);
    await Promise.all(ws.map((w) => w.terminate()));
  }
}
