import { describe, expect, it } from 'vitest';
import { WorkQueue } from './queue.ts';
import { isHandled, nextRetry, transparencyValue } from './annotations.ts';

describe('WorkQueue', () => {
  it('queues a key once and never runs one key on two workers at once', async () => {
    const q = new WorkQueue({ workers: 4 });
    let running = 0;
    let maxRunning = 0;
    const seen: string[] = [];
    q.add('a');
    q.add('a');
    q.add('b');
    q.start(async (k) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      seen.push(k);
      if (k === 'a' && seen.length < 3) q.add('a'); // added while processing: runs again afterwards
      await new Promise((r) => setTimeout(r, 5));
      running--;
      return 'done';
    });
    await new Promise((r) => setTimeout(r, 50));
    await q.idle();
    expect(seen.sort()).toEqual(['a', 'a', 'b']);
    expect(maxRunning).toBeLessThanOrEqual(2);
    await q.stop();
  });

  it('a run that arrives while a backlog waits is processed before the backlog remainder', async () => {
    const q = new WorkQueue({ workers: 1 });
    for (let i = 0; i < 100; i++) q.add(`old-${i}`, 'backlog');
    const seen: string[] = [];
    q.start(async (k) => {
      seen.push(k);
      if (seen.length === 3) q.add('new', 'fresh'); // completes while old-2 is being processed
      await Promise.resolve();
      return 'done';
    });
    await new Promise((r) => setTimeout(r, 10));
    await q.idle();
    expect(seen).toHaveLength(101);
    expect(seen.slice(0, 4)).toEqual(['old-0', 'old-1', 'old-2', 'new']);
    expect(seen.slice(4)).toEqual(Array.from({ length: 97 }, (_, i) => `old-${i + 3}`));
    await q.stop();
  });

  it('a backlog key with a fresh event moves to the fresh lane once; retries keep their lane', async () => {
    const q = new WorkQueue({ workers: 1, baseDelayMs: 1, maxDelayMs: 1 });
    for (const k of ['b1', 'b2', 'b3', 'b4']) q.add(k, 'backlog');
    q.add('b3', 'fresh');
    q.add('b3', 'backlog'); // no demotion
    const seen: string[] = [];
    let retried = false;
    q.start(async (k) => {
      seen.push(k);
      if (k === 'b1' && !retried) {
        retried = true;
        return 'retry';
      }
      await new Promise((r) => setTimeout(r, 5));
      return 'done';
    });
    for (let i = 0; i < 100 && seen.length < 5; i++) await new Promise((r) => setTimeout(r, 5));
    await q.idle();
    expect(seen[0]).toBe('b3');
    expect(seen.filter((k) => k === 'b3')).toHaveLength(1);
    expect(seen.filter((k) => k === 'b1')).toHaveLength(2);
    expect(seen.length).toBe(5);
    await q.stop();
  });

  it('retries with per-item exponential backoff and skips events while backing off', async () => {
    const q = new WorkQueue({ workers: 1, baseDelayMs: 20, maxDelayMs: 40 });
    const at: number[] = [];
    q.start(async () => {
      at.push(Date.now());
      return at.length < 4 ? 'retry' : 'done';
    });
    q.add('x');
    await new Promise((r) => setTimeout(r, 20));
    q.add('x'); // an event during the backoff does not skip it
    for (let i = 0; i < 100 && at.length < 4; i++) await new Promise((r) => setTimeout(r, 10));
    expect(at).toHaveLength(4);
    const gaps = at.slice(1).map((t, i) => t - (at[i] ?? 0));
    expect(gaps.every((g) => g >= 15)).toBe(true);
    await q.stop();
  });

  it('is bounded: refuses keys beyond maxLength and counts them', async () => {
    const q = new WorkQueue({ workers: 1, maxLength: 2 });
    expect([q.add('1'), q.add('2'), q.add('3')]).toEqual([true, true, false]);
    expect(q.dropped).toBe(1);
    await q.stop();
  });

  it('turns a thrown error into a retry and reports it', async () => {
    const errors: string[] = [];
    const q = new WorkQueue({
      workers: 1,
      baseDelayMs: 5,
      onError: (k, e) => errors.push(`${k}:${(e as Error).message}`),
    });
    let n = 0;
    q.start(async () => {
      if (n++ === 0) throw new Error('boom');
      return 'done';
    });
    q.add('k');
    for (let i = 0; i < 100 && n < 2; i++) await new Promise((r) => setTimeout(r, 5));
    expect(errors).toEqual(['k:boom']);
    expect(n).toBe(2);
    await q.stop();
  });
});

describe('annotations (https://github.com/tektoncd/chains/tree/main/pkg/reconciler)', () => {
  it.each([
    [undefined, { 'chains.tekton.dev/retries': '0' }, false],
    ['0', { 'chains.tekton.dev/retries': '1' }, false],
    ['2', { 'chains.tekton.dev/retries': '3' }, false],
    ['3', { 'chains.tekton.dev/signed': 'failed' }, true],
  ])('retries=%s → %j', (retries, want, failed) => {
    const r = nextRetry(retries === undefined ? {} : { 'chains.tekton.dev/retries': retries }, 'why');
    expect(r.annotations).toMatchObject({ ...want, 'chains.tekton.dev/failure-reason': 'why' });
    expect(r.failed).toBe(failed);
  });
  it('knows handled runs and formats the transparency URL', () => {
    expect(isHandled({ 'chains.tekton.dev/signed': 'true' })).toBe(true);
    expect(isHandled({ 'chains.tekton.dev/signed': 'failed' })).toBe(true);
    expect(isHandled({ 'chains.tekton.dev/signed': 'nope' })).toBe(false);
    expect(transparencyValue('https://rekor.sigstore.dev/', 42)).toBe(
      'https://rekor.sigstore.dev/api/v1/log/entries?logIndex=42',
    );
  });
});
