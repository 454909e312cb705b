import { randomUUID } from 'node:crypto';
import { CoreV1Api, Watch } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { startKube } from '../../src/cli/controller/kube-mode.ts';
import * as A from '../../src/controller/annotations.ts';
import { finishedKanikoTaskRun } from '../../src/demo/kaniko-run.ts';
import { limitKubeConfig, TokenBucket } from '../../src/controller/kube/rate-limit.ts';
import { silentLogger } from '../../src/controller/log.ts';
import { FakeClock } from '../fakes/clock.ts';
import { kubeConfigFor } from '../fakes/kube-apiserver.ts';
import { SYS, TestCluster } from './kube-cluster.ts';

/** Issue 16 item 14: --kube-api-qps / --kube-api-burst throttle the client, counted at the API server. */
let c: TestCluster;
afterEach(async () => c?.stop());

const settle = async (n = 20) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setTimeout(r, 5));
};

describe('Kubernetes client rate limit against the fake API server', () => {
  it('API calls and watches take tokens: burst at once, then qps per second of (fake) time', async () => {
    c = await TestCluster.start({});
    const clock = new FakeClock();
    const kc = limitKubeConfig(kubeConfigFor(c.kube), new TokenBucket(4, 3, clock));
    const core = kc.makeApiClient(CoreV1Api);
    const reads = Array.from({ length: 10 }, () =>
      core.readNamespacedConfigMap({ namespace: SYS, name: 'chains-config' }),
    );
    const watch = new Watch(kc).watch(
      `/api/v1/namespaces/${SYS}/secrets`,
      {},
      () => undefined,
      () => undefined,
    );
    await settle();
    const seen = () => c.kube.requests.length;
    expect(seen()).toBe(3); // the burst
    clock.advance(1000);
    await settle();
    expect(seen()).toBe(7); // + 4 per second
    clock.advance(1000);
    await settle();
    expect(seen()).toBe(11); // all 10 reads and the watch
    await Promise.all(reads);
    (await watch).abort();
    expect(c.kube.requests.filter((r) => r.query.watch === 'true')).toHaveLength(1);
  });

  it('a controller on a throttled client never exceeds its budget, and signs once time moves', async () => {
    c = await TestCluster.start({ 'artifacts.taskrun.storage': 'local', 'artifacts.oci.storage': 'local' });
    for (let i = 0; i < 10; i++)
      c.create(
        finishedKanikoTaskRun({
          name: `run-${i}`,
          uid: randomUUID(),
          image: 'reg.example/app',
          digest: `sha256:${randomUUID().replace(/-/g, '').padEnd(64, '0')}`,
        }),
      );
    const clock = new FakeClock();
    const qps = 5;
    const burst = 4;
    const kc = limitKubeConfig(kubeConfigFor(c.kube), new TokenBucket(qps, burst, clock));
    const starting = startKube(
      kc,
      {
        systemNamespace: SYS,
        threads: 4,
        store: c.storeDir,
        lease: { durationSec: 60, renewMs: 40_000, retryMs: 100 },
      },
      silentLogger,
    );
    let elapsed = 0;
    const signed = () =>
      [...Array(10).keys()].filter((i) => c.get(`run-${i}`)?.metadata.annotations?.[A.SIGNED] === 'true')
        .length;
    for (let step = 0; step < 400 && signed() < 10; step++) {
      await settle(2);
      // the budget so far: the burst plus qps per elapsed second
      expect(c.kube.requests.length).toBeLessThanOrEqual(burst + Math.floor((elapsed / 1000) * qps));
      clock.advance(100);
      elapsed += 100;
    }
    expect(signed()).toBe(10);
    const budget = c.kube.requests.length;
    const ticking = setInterval(() => clock.advance(1000), 5); // stopping releases the Lease: one more request
    const s = await starting;
    await s.controller.stop();
    clearInterval(ticking);
    // each run costs requests; at qps 5 that took tens of (fake) seconds, not the milliseconds it takes unthrottled
    expect(elapsed / 1000).toBeGreaterThanOrEqual((budget - burst) / qps - 0.1);
  });
});
