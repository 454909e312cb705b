import { LOAD_WINDOW_MS } from './tuning.ts';

/**
 * Entry requests in flight, as the verify pool's load figure: the peak over the last 250–500 ms, since the
 * count itself drops to a few each time a batch is answered (those would be verified in the event loop).
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
