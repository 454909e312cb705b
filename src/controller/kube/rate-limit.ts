import type { KubeConfig } from '@kubernetes/client-node';
import { ControllerError } from '../errors.ts';

/** Time for the limiter; tests drive a fake one (no wall-clock assertions). */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realClock: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

/**
 * client-go's token bucket (flowcontrol.NewTokenBucketRateLimiter over golang.org/x/time/rate): `burst` tokens
 * at first, refilled at `qps` per second; a request takes one, or reserves the next and waits for it (callers are
 * served in arrival order).
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  waited = 0;

  constructor(
    readonly qps: number,
    readonly burst: number,
    private readonly clock: Clock = realClock,
  ) {
    if (!(qps > 0) || !Number.isInteger(burst) || burst < 1)
      throw new ControllerError(
        'INVALID_FLAG',
        `rate limit needs qps > 0 and burst ≥ 1 (got ${qps}, ${burst})`,
      );
    this.tokens = burst;
    this.last = clock.now();
  }

  take(): Promise<void> {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.qps);
    this.last = now;
    this.tokens -= 1;
    if (this.tokens >= 0) return Promise.resolve();
    this.waited++;
    return this.clock.sleep((-this.tokens / this.qps) * 1000);
  }
}

/**
 * Every request of clients made from `kc` takes a token first: the generated API clients call
 * `applySecurityAuthentication` once per request, watches `applyToFetchOptions` once per (re)connect — as
 * client-go throttles every request of a rest.Config, watches included.
 */
export function limitKubeConfig(kc: KubeConfig, bucket: TokenBucket): KubeConfig {
  const auth = kc.applySecurityAuthentication.bind(kc);
  const fetchOptions = kc.applyToFetchOptions.bind(kc);
  kc.applySecurityAuthentication = async (ctx) => {
    await bucket.take();
    return auth(ctx);
  };
  kc.applyToFetchOptions = async (opts) => {
    await bucket.take();
    return fetchOptions(opts);
  };
  return kc;
}

/** `--kube-api-qps` / `--kube-api-burst` (or KUBE_API_QPS / KUBE_API_BURST); 0 = unset. */
export interface KubeApiLimits {
  qps: number;
  burst: number;
}

/**
 * What upstream's cmd/controller/main.go makes of the flags: unset QPS is 2 × client-go's 5 and unset burst
 * client-go's 10, then both are doubled for the two controllers (TaskRun, PipelineRun): 20/20 by default, and
 * `--kube-api-qps=50` is 100 (https://github.com/tektoncd/chains).
 */
export function effectiveLimits(flags: KubeApiLimits): KubeApiLimits {
  const qps = flags.qps > 0 ? flags.qps : 2 * 5;
  const burst = flags.burst > 0 ? flags.burst : 10;
  return { qps: 2 * qps, burst: 2 * burst };
}

function number(name: string, raw: string | undefined, integer: boolean): number {
  if (raw === undefined || raw.trim() === '') return 0;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n)))
    throw new ControllerError(
      'INVALID_FLAG',
      `${name}: "${raw}" is not a ${integer ? 'whole number' : 'number'} ≥ 0`,
    );
  return n;
}

/** The flags, else the environment (knative's ClientConfig.InitFlags reads KUBE_API_QPS / KUBE_API_BURST). */
export function kubeApiLimitsFrom(
  flags: { kubeApiQps?: string; kubeApiBurst?: string },
  env: NodeJS.ProcessEnv = process.env,
): KubeApiLimits {
  return {
    qps: number(
      flags.kubeApiQps !== undefined ? '--kube-api-qps' : 'KUBE_API_QPS',
      flags.kubeApiQps ?? env.KUBE_API_QPS,
      false,
    ),
    burst: number(
      flags.kubeApiBurst !== undefined ? '--kube-api-burst' : 'KUBE_API_BURST',
      flags.kubeApiBurst ?? env.KUBE_API_BURST,
      true,
    ),
  };
}
