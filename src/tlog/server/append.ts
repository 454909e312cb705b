import { appendAnswer } from './answer.ts';
import type { Answer } from './answer.ts';
import type { TransparencyLog } from './log.ts';
import { LOAD_WINDOW_MS } from './tuning.ts';
import type { VerifyPool } from './verify.ts';

/**
 * The append path, joined: receive (receive.ts, fast-post.ts) → parse (parse.ts) → verify (verify.ts) →
 * sequence (sequence.ts) → persist (persist.ts) → answer (answer.ts). In: a request body. Out: its answer
 * (errors are mapped by the route table).
 */
export class AppendPipeline {
  private readonly load = new LoadGauge();

  constructor(
    private readonly log: TransparencyLog,
    private readonly verify: VerifyPool,
  ) {}

  readonly append = async (body: Buffer): Promise<Answer> => {
    const load = this.load.enter();
    try {
      const prepared = await this.verify.prepare(body, load);
      return await appendAnswer(this.log, await this.log.add(prepared));
    } finally {
      this.load.leave();
    }
  };
}

/**
 * Appends in flight, as the verify stage's load figure: the peak over the last 250–500 ms, since the count
 * itself drops to a few each time a batch is answered (those would be verified in the event loop).
 */
export class LoadGauge {
  private n = 0;
  private peak = 0;
  private lastPeak = 0;
  private since = 0;

  enter(): number {
    this.n++;
    const now = performance.now();
    if (now - this.since > LOAD_WINDOW_MS) [this.lastPeak, this.peak, this.since] = [this.peak, 0, now];
    this.peak = Math.max(this.peak, this.n);
    return Math.max(this.peak, this.lastPeak);
  }

  leave(): void {
    this.n--;
  }
}
