/** What a worker says about a key it processed. */
export type WorkResult = 'done' | 'retry';

/**
 * Which line a key waits in: `fresh` for runs that just changed (watch events), `backlog` for the initial list and
 * periodic resyncs. Workers take fresh keys first, so a newly completed run is signed within one reconcile even
 * while thousands of older runs drain (Chains #979, where new runs queued behind the backlog).
 */
export type Lane = 'fresh' | 'backlog';

export interface QueueOptions {
  /** concurrent workers (`--threads-per-controller`) */
  workers: number;
  /** most keys waiting at once; beyond that `add` refuses and the next resync brings the key back */
  maxLength?: number;
  /** per-item exponential backoff: base and cap in ms (client-go: 5 ms → 1000 s) */
  baseDelayMs?: number;
  maxDelayMs?: number;
  onError?: (key: string, e: unknown) => void;
}

/** FIFO of keys with O(1) shift (Array#shift moves every element: slow with a 10,000-key backlog). */
class Fifo {
  private items: string[] = [];
  private head = 0;

  push(k: string): void {
    this.items.push(k);
  }

  shift(): string | undefined {
    if (this.head >= this.items.length) return undefined;
    const k = this.items[this.head++];
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return k;
  }
}

/**
 * A bounded work queue with client-go semantics: a key is queued at most once, never processed by two workers
 * at the same time (a key added while processing is re-queued after), and retried with per-item backoff; plus
 * two lanes, fresh before backlog (a backlog key that gets a fresh event moves to the fresh lane).
 */
export class WorkQueue {
  private readonly lanes: Record<Lane, Fifo> = { fresh: new Fifo(), backlog: new Fifo() };
  /** waiting keys and their lane (a lane's FIFO may also hold stale entries of promoted keys: skipped) */
  private readonly queued = new Map<string, Lane>();
  private readonly processing = new Map<string, Lane>();
  private readonly dirty = new Map<string, Lane>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly idleWaiters: (() => void)[] = [];
  private readonly waiters: (() => void)[] = [];
  private stopped = false;
  private running: Promise<void>[] = [];
  dropped = 0;

  constructor(private readonly o: QueueOptions) {}

  get length(): number {
    return this.queued.size;
  }

  /** Queue a key now; false when the queue is full. */
  add(key: string, lane: Lane = 'fresh'): boolean {
    if (this.stopped) return false;
    if (this.processing.has(key)) {
      if (this.dirty.get(key) !== 'fresh') this.dirty.set(key, lane);
      return true;
    }
    const waiting = this.queued.get(key);
    if (waiting !== undefined) {
      if (waiting === 'backlog' && lane === 'fresh') this.enter(key, 'fresh');
      return true;
    }
    // backing off: the pending retry brings the key back (our own annotation writes must not skip the backoff)
    if (this.timers.has(key)) return true;
    if (this.o.maxLength !== undefined && this.queued.size >= this.o.maxLength) {
      this.dropped++;
      return false;
    }
    this.enter(key, lane);
    return true;
  }

  private enter(key: string, lane: Lane): void {
    this.queued.set(key, lane);
    this.lanes[lane].push(key);
    this.waiters.shift()?.();
  }

  addAfter(key: string, ms: number, lane: Lane = 'fresh'): void {
    if (this.stopped || this.timers.has(key)) return;
    const t = setTimeout(() => {
      this.timers.delete(key);
      this.add(key, lane);
    }, ms);
    t.unref();
    this.timers.set(key, t);
  }

  /** Backoff for the key's n-th consecutive failure: base·2ⁿ capped. */
  backoff(key: string): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    return Math.min((this.o.baseDelayMs ?? 5) * 2 ** n, this.o.maxDelayMs ?? 1_000_000);
  }

  start(work: (key: string) => Promise<WorkResult>): void {
    for (let i = 0; i < this.o.workers; i++) this.running.push(this.loop(work));
  }

  /** The next waiting key, fresh lane first; entries left behind by a promotion are skipped. */
  private take(): { key: string; lane: Lane } | undefined {
    for (const lane of ['fresh', 'backlog'] as const)
      for (let key = this.lanes[lane].shift(); key !== undefined; key = this.lanes[lane].shift())
        if (this.queued.get(key) === lane) {
          this.queued.delete(key);
          return { key, lane };
        }
    return undefined;
  }

  private async next(): Promise<{ key: string; lane: Lane } | undefined> {
    while (!this.stopped) {
      const next = this.take();
      if (next) return next;
      if (this.processing.size === 0) for (const w of this.idleWaiters.splice(0)) w();
      await new Promise<void>((r) => this.waiters.push(r));
    }
    return undefined;
  }

  private async loop(work: (key: string) => Promise<WorkResult>): Promise<void> {
    for (;;) {
      const next = await this.next();
      if (next === undefined) return;
      const { key, lane } = next;
      this.processing.set(key, lane);
      let result: WorkResult = 'retry';
      try {
        result = await work(key);
      } catch (e) {
        this.o.onError?.(key, e);
      }
      this.processing.delete(key);
      if (result === 'done') this.failures.delete(key);
      else this.addAfter(key, this.backoff(key), lane);
      const again = this.dirty.get(key);
      if (again !== undefined) {
        this.dirty.delete(key);
        this.add(key, again);
      }
      if (!this.queued.size && !this.processing.size) for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  /** Resolves when nothing is queued or processing (delayed retries may still be pending). */
  idle(): Promise<void> {
    if (!this.queued.size && !this.processing.size) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  get pendingRetries(): number {
    return this.timers.size;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    for (const w of this.waiters.splice(0)) w();
    await Promise.all(this.running);
  }
}
