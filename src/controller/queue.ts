/** What a worker says about a key it processed. */
export type WorkResult = 'done' | 'retry';

export interface QueueOptions {
  /** concurrent workers (`--threads`) */
  workers: number;
  /** most keys waiting at once; beyond that `add` refuses and the next resync brings the key back */
  maxLength?: number;
  /** per-item exponential backoff: base and cap in ms (client-go: 5 ms → 1000 s) */
  baseDelayMs?: number;
  maxDelayMs?: number;
  onError?: (key: string, e: unknown) => void;
}

/**
 * A bounded work queue with client-go semantics: a key is queued at most once, never processed by two workers
 * at the same time (a key added while processing is re-queued after), and retried with per-item backoff.
 */
export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly idleWaiters: (() => void)[] = [];
  private readonly waiters: (() => void)[] = [];
  private stopped = false;
  private running: Promise<void>[] = [];
  dropped = 0;

  constructor(private readonly o: QueueOptions) {}

  get length(): number {
    return this.queue.length;
  }

  /** Queue a key now; false when the queue is full. */
  add(key: string): boolean {
    if (this.stopped) return false;
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return true;
    }
    if (this.queued.has(key)) return true;
    // backing off: the pending retry brings the key back (our own annotation writes must not skip the backoff)
    if (this.timers.has(key)) return true;
    if (this.o.maxLength !== undefined && this.queue.length >= this.o.maxLength) {
      this.dropped++;
      return false;
    }
    this.queued.add(key);
    this.queue.push(key);
    this.waiters.shift()?.();
    return true;
  }

  addAfter(key: string, ms: number): void {
    if (this.stopped || this.timers.has(key)) return;
    const t = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
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

  private async next(): Promise<string | undefined> {
    while (!this.stopped) {
      const key = this.queue.shift();
      if (key !== undefined) return key;
      if (this.processing.size === 0) for (const w of this.idleWaiters.splice(0)) w();
      await new Promise<void>((r) => this.waiters.push(r));
    }
    return undefined;
  }

  private async loop(work: (key: string) => Promise<WorkResult>): Promise<void> {
    for (;;) {
      const key = await this.next();
      if (key === undefined) return;
      this.queued.delete(key);
      this.processing.add(key);
      let result: WorkResult = 'retry';
      try {
        result = await work(key);
      } catch (e) {
        this.o.onError?.(key, e);
      }
      this.processing.delete(key);
      if (result === 'done') this.failures.delete(key);
      else this.addAfter(key, this.backoff(key));
      if (this.dirty.delete(key)) this.add(key);
      if (!this.queue.length && !this.processing.size) for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  /** Resolves when nothing is queued or processing (delayed retries may still be pending). */
  idle(): Promise<void> {
    if (!this.queue.length && !this.processing.size) return Promise.resolve();
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
