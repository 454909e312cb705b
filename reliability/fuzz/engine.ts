import { performance } from 'node:perf_hooks';
import fc from 'fast-check';
import { ChainsError } from '../../src/core/errors.ts';
import type { Target } from './targets.ts';

export interface FuzzCounts {
  target: string;
  inputs: number;
  accepted: number;
  /** rejected with a coded ChainsError (the expected outcome for bad input) */
  rejected: number;
  /** any other exception: a defect */
  uncaught: number;
  /** inputs over the per-input time budget */
  slow: number;
  maxMs: number;
  /** wall time of the whole run (ms) */
  ms: number;
  examples: string[];
}

const BATCH = 500;

const show = (x: string): string => JSON.stringify(x.length > 160 ? `${x.slice(0, 160)}…` : x);

/** Run one input, classify the outcome into `c`; returns the time it took (ms). */
async function once(t: Target, x: string, c: FuzzCounts): Promise<number> {
  const t0 = performance.now();
  try {
    await t.run(x);
    c.accepted++;
  } catch (e) {
    if (e instanceof ChainsError) c.rejected++;
    else {
      c.uncaught++;
      if (c.examples.length < 5)
        c.examples.push(
          `${(e as Error)?.constructor?.name}: ${String((e as Error)?.message).slice(0, 160)} <- ${show(x)}`,
        );
    }
  }
  return performance.now() - t0;
}

async function timed(t: Target, x: string): Promise<number> {
  const t0 = performance.now();
  try {
    await t.run(x);
  } catch {
    /* already classified by once() */
  }
  return performance.now() - t0;
}

/** Feed `count` generated inputs to the target (seeded, reproducible); `progress` is called after each batch. */
export async function runTarget(
  t: Target,
  count: number,
  seed: number,
  progress: (done: number) => void = () => undefined,
): Promise<FuzzCounts> {
  const c: FuzzCounts = {
    target: t.name,
    inputs: 0,
    accepted: 0,
    rejected: 0,
    uncaught: 0,
    slow: 0,
    maxMs: 0,
    ms: 0,
    examples: [],
  };
  const start = performance.now();
  for (let b = 0; c.inputs < count; b++) {
    const inputs = fc.sample(t.arb, { numRuns: Math.min(BATCH, count - c.inputs), seed: seed + b });
    for (const x of inputs) {
      const ms = await once(t, x, c);
      c.maxMs = Math.max(c.maxMs, ms);
      // over budget: time it again alone, so a GC pause or a busy machine is not reported as a hang
      if (ms > t.budgetMs) {
        const again = await timed(t, x);
        if (again > t.budgetMs) {
          c.slow++;
          if (c.examples.length < 8)
            c.examples.push(`slow ${ms.toFixed(0)}/${again.toFixed(0)} ms <- ${show(x)}`);
        }
      }
      c.inputs++;
    }
    progress(c.inputs);
  }
  c.ms = performance.now() - start;
  return c;
}
