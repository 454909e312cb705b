import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import * as A from '../../src/controller/annotations.ts';
import { finishedKanikoTaskRun } from '../../src/demo/kaniko-run.ts';
import type { RunDoc } from '../../src/controller/ports.ts';
import { TestCluster, until } from './kube-cluster.ts';

/** Issue 16 item 13 (Chains #979): a run completing during a backlog is not queued behind it. */
let c: TestCluster;
afterEach(async () => c?.stop());

const run = (name: string): RunDoc =>
  finishedKanikoTaskRun({
    name,
    uid: randomUUID(),
    image: 'reg.example/app',
    digest: `sha256:${randomUUID().replace(/-/g, '').padEnd(64, '0')}`,
  });

/** Names in the order the API server recorded their `signed=true` mark. */
const markOrder = (): string[] =>
  c.kube.store.history
    .filter((e) => (e.object.metadata as RunDoc['metadata']).annotations?.[A.SIGNED] === 'true')
    .map((e) => (e.object.metadata as RunDoc['metadata']).name)
    .filter((n, i, all) => all.indexOf(n) === i);

describe('new runs first', () => {
  it('a run completing while a backlog drains is signed before the backlog remainder', async () => {
    c = await TestCluster.start({ 'artifacts.taskrun.storage': 'local', 'artifacts.oci.storage': 'local' });
    const BACKLOG = 150;
    for (let i = 0; i < BACKLOG; i++) c.create(run(`old-${i}`)); // completed before the controller started
    await c.controller({ threads: 1 });
    await until(
      () => markOrder().length,
      (n) => n >= 5,
    );
    c.create(run('fresh'));
    await until(
      () => markOrder(),
      (o) => o.includes('fresh'),
    );
    const order = await until(
      () => markOrder(),
      (o) => o.length === BACKLOG + 1,
      60_000,
    );
    expect(order).toHaveLength(BACKLOG + 1);
    const after = order.length - 1 - order.indexOf('fresh');
    // FIFO would put it last (0 after); fresh-first takes it at the next free worker
    expect(after).toBeGreaterThan(BACKLOG / 2);
    expect(order.filter((n) => n.startsWith('old-'))).toEqual(
      Array.from({ length: BACKLOG }, (_, i) => `old-${i}`),
    );
  });
});
