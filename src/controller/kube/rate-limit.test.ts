import { describe, expect, it } from 'vitest';
import { ControllerError } from '../errors.ts';
import { FakeClock } from '../../../test/fakes/clock.ts';
import { effectiveLimits, kubeApiLimitsFrom, TokenBucket } from './rate-limit.ts';

const settle = () => new Promise((r) => setImmediate(r));

describe('Kubernetes client rate limit', () => {
  it('a token bucket lets burst through, then qps per second, in arrival order', async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(10, 5, clock);
    const passed: number[] = [];
    for (let i = 0; i < 30; i++) void bucket.take().then(() => passed.push(i));
    await settle();
    expect(passed).toHaveLength(5);
    clock.advance(1000);
    await settle();
    expect(passed).toHaveLength(15);
    clock.advance(500);
    await settle();
    expect(passed).toHaveLength(20);
    clock.advance(10_000);
    await settle();
    expect(passed).toEqual(Array.from({ length: 30 }, (_, i) => i));
    // idle time refills up to burst only
    clock.advance(60_000);
    let now = 0;
    for (let i = 0; i < 6; i++) void bucket.take().then(() => now++);
    await settle();
    expect(now).toBe(5);
  });

  it('upstream defaults and doubling: 20/20 unset, --kube-api-qps=50 → 100; env fallback; bad values coded', () => {
    expect(effectiveLimits({ qps: 0, burst: 0 })).toEqual({ qps: 20, burst: 20 });
    expect(effectiveLimits({ qps: 50, burst: 100 })).toEqual({ qps: 100, burst: 200 });
    expect(kubeApiLimitsFrom({}, { KUBE_API_QPS: '7.5', KUBE_API_BURST: '30' })).toEqual({
      qps: 7.5,
      burst: 30,
    });
    expect(kubeApiLimitsFrom({ kubeApiQps: '50' }, { KUBE_API_QPS: '7' })).toEqual({ qps: 50, burst: 0 });
    expect(() => kubeApiLimitsFrom({ kubeApiBurst: '1.5' })).toThrow(/--kube-api-burst: "1.5"/);
    expect(() => kubeApiLimitsFrom({}, { KUBE_API_QPS: 'fast' })).toThrow(ControllerError);
    expect(() => new TokenBucket(0, 1)).toThrow(/qps > 0/);
  });
});
