import type { Clock } from '../../src/controller/kube/rate-limit.ts';

/** A clock that moves only when told to (rate-limit tests count requests per budget, never wall time). */
export class FakeClock implements Clock {
  private t = 0;
  private sleepers: { at: number; wake: () => void }[] = [];

  now(): number {
    return this.t;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((wake) => this.sleepers.push({ at: this.t + ms, wake }));
  }

  get sleeping(): number {
    return this.sleepers.length;
  }

  /** Move time forward, waking (in deadline order) everyone whose time has come. */
  advance(ms: number): void {
    this.t += ms;
    const due = this.sleepers.filter((s) => s.at <= this.t + 1e-9).sort((a, b) => a.at - b.at);
    this.sleepers = this.sleepers.filter((s) => s.at > this.t + 1e-9);
    for (const s of due) s.wake();
  }
}
