import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleFromFlags } from '../../src/cli/console-wiring.ts';
import type { RunningConsole } from '../../src/console/index.ts';
import { finishedKanikoTaskRun } from '../../src/demo/kaniko-run.ts';
import { kubeConfigYaml, startFakeKubeApiServer } from '../fakes/kube-apiserver.ts';
import type { FakeKubeApiServer } from '../fakes/kube-apiserver.ts';
import { startTestLog, tempDir } from './harness.ts';
import type { TestLog } from './harness.ts';

/** Read server-sent events until `want` matches one `data:` line (or time out). */
async function nextEvent(url: string, want: (data: string) => boolean, start: () => void): Promise<string> {
  const ac = new AbortController();
  const res = await fetch(url, { signal: ac.signal });
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  start();
  let text = '';
  const deadline = Date.now() + 20_000;
  try {
    while (Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString('utf8');
      for (const m of text.matchAll(/^event: run\ndata: (.*)$/gm)) if (want(m[1] ?? '')) return m[1] ?? '';
    }
    throw new Error(`no matching event; got ${text}`);
  } finally {
    ac.abort();
  }
}

describe('console: runs from a cluster (--kubeconfig)', () => {
  let kube: FakeKubeApiServer;
  let log: TestLog;
  let con: RunningConsole;

  beforeAll(async () => {
    const dir = tempDir();
    log = await startTestLog(dir);
    kube = await startFakeKubeApiServer({ bookmarkIntervalMs: 100 });
    const run = finishedKanikoTaskRun({
      name: 'kube-run',
      namespace: 'team-a',
      uid: randomUUID(),
      image: '127.0.0.1:1/x',
      digest: `sha256:${'d'.repeat(64)}`,
    });
    kube.store.create('taskruns', 'team-a', run as unknown as Record<string, unknown>);
    kube.store.create('taskruns', 'team-b', {
      ...run,
      metadata: { ...run.metadata, name: 'other', namespace: 'team-b' },
    } as unknown as Record<string, unknown>);
    const kc = join(dir, 'kubeconfig');
    writeFileSync(kc, kubeConfigYaml(kube));
    con = await consoleFromFlags({
      addr: '127.0.0.1:0',
      rekorUrl: log.server.url,
      kubeconfig: kc,
      namespace: 'team-a',
    });
  }, 60_000);

  afterAll(async () => {
    await con?.close();
    await kube?.close();
    await log?.server.close();
  });

  it('lists the watched namespaces’ runs and streams a change as it is written', async () => {
    const list = (await (await fetch(`${con.url}/api/runs`)).json()) as {
      runs: { name: string; status: string }[];
    };
    expect(list.runs.map((r) => `${r.name}=${r.status}`)).toEqual(['kube-run=pending']);
    const data = await nextEvent(
      `${con.url}/api/runs/events`,
      (d) => d.includes('"status":"signed"'),
      () => {
        const cur = kube.store.get('taskruns', 'team-a', 'kube-run') as {
          metadata: { annotations?: Record<string, string> };
        };
        cur.metadata.annotations = {
          'chains.tekton.dev/signed': 'true',
          'chains.tekton.dev/transparency': `${log.server.url}/api/v1/log/entries?logIndex=7`,
        };
        kube.store.update('taskruns', 'team-a', 'kube-run', cur as unknown as Record<string, unknown>);
      },
    );
    expect(JSON.parse(data)).toMatchObject({
      namespace: 'team-a',
      name: 'kube-run',
      status: 'signed',
      logIndexes: [7],
    });
  });
});
