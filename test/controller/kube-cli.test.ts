import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import * as A from '../../src/controller/annotations.ts';
import { finishedKanikoTaskRun } from '../../src/demo/kaniko-run.ts';
import type { RunDoc } from '../../src/controller/ports.ts';
import { generateKeyPair } from '../../src/keys/index.ts';
import { kubeConfigYaml, startFakeKubeApiServer, type FakeKubeApiServer } from '../fakes/kube-apiserver.ts';

const BIN = new URL('../../bin/chains', import.meta.url).pathname;
const b64 = (s: string) => Buffer.from(s).toString('base64');
let kube: FakeKubeApiServer | undefined;
afterEach(async () => kube?.close());

function run(args: string[]) {
  const child = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number>((r) => child.on('exit', (code) => r(code ?? -1)));
  return { child, exited, stderr: () => stderr };
}

describe('chains controller --kubeconfig (the real command, as a process)', () => {
  it('connects with the kubeconfig, signs a TaskRun, serves /metrics, stops on SIGTERM', async () => {
    kube = await startFakeKubeApiServer();
    const pair = await generateKeyPair('p');
    kube.store.create('configmaps', 'tekton-chains', {
      metadata: { name: 'chains-config' },
      data: { 'artifacts.taskrun.storage': 'tekton', 'artifacts.oci.storage': 'tekton' },
    });
    kube.store.create('secrets', 'tekton-chains', {
      metadata: { name: 'signing-secrets' },
      data: { 'cosign.key': b64(pair.privateKeyPem), 'cosign.password': b64('p') },
    });
    const dir = mkdtempSync(join(tmpdir(), 'chains-kcli-'));
    writeFileSync(join(dir, 'kubeconfig'), kubeConfigYaml(kube));
    const p = run([
      'controller',
      '--kubeconfig',
      join(dir, 'kubeconfig'),
      '--metrics-addr',
      '127.0.0.1:0',
      '--namespace',
      'default',
      '--threads',
      '2',
    ]);
    kube.store.create(
      'taskruns',
      'default',
      finishedKanikoTaskRun({
        name: 'cli-run',
        uid: randomUUID(),
        image: 'reg.example/app',
        digest: `sha256:${'5'.repeat(64)}`,
      }) as never,
    );
    let a: Record<string, string> = {};
    for (let i = 0; i < 600 && a[A.SIGNED] === undefined; i++) {
      await new Promise((r) => setTimeout(r, 50));
      a = ((kube.store.get('taskruns', 'default', 'cli-run') as RunDoc | undefined)?.metadata.annotations ??
        {}) as Record<string, string>;
    }
    expect(a[A.SIGNED]).toBe('true');
    expect(p.stderr()).toMatch(/"msg":"controller started"/);
    const metricsUrl = /"metrics":"(http:[^"]+)"/.exec(p.stderr())?.[1];
    expect(await (await fetch(`${metricsUrl}/metrics`)).text()).toMatch(
      /watcher_taskrun_marked_signed_total 1/,
    );
    expect(
      kube.requests.some(
        (r) => r.path === '/apis/tekton.dev/v1/namespaces/default/taskruns' && r.query.watch === 'true',
      ),
    ).toBe(true);
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  });

  it('exits 1 with Chains message when chains-config is invalid at startup', async () => {
    kube = await startFakeKubeApiServer();
    kube.store.create('configmaps', 'tekton-chains', {
      metadata: { name: 'chains-config' },
      data: { 'artifacts.oci.storage': 'floppy' },
    });
    const dir = mkdtempSync(join(tmpdir(), 'chains-kcli-'));
    writeFileSync(join(dir, 'kubeconfig'), kubeConfigYaml(kube));
    const p = run(['controller', '--kubeconfig', join(dir, 'kubeconfig'), '--metrics-addr', '127.0.0.1:0']);
    expect(await p.exited).toBe(1);
    expect(p.stderr()).toMatch(
      /Error: artifacts\.oci\.storage: invalid value "floppy" wanted one of \[.*\] \[INVALID_CONFIG\]/,
    );
  });
});
