import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKube, type KubeStartOptions, type StartedKube } from '../../src/cli/controller/kube-mode.ts';
import { silentLogger } from '../../src/controller/log.ts';
import type { RunDoc } from '../../src/controller/ports.ts';
import { generateKeyPair } from '../../src/keys/index.ts';
import { kubeConfigFor, startFakeKubeApiServer, type FakeKubeApiServer } from '../fakes/kube-apiserver.ts';

/** A fake cluster with chains-config and signing-secrets, and controllers started against it (test helper). */
export const SYS = 'tekton-chains';
const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');

export class TestCluster {
  private readonly started: StartedKube[] = [];
  readonly storeDir = mkdtempSync(join(tmpdir(), 'chains-cluster-'));

  private constructor(readonly kube: FakeKubeApiServer) {}

  /** `password` signs the key; `secretPassword` is what the Secret says (a mismatch makes signing fail). */
  static async start(
    config: Record<string, string>,
    o: { password?: string; secretPassword?: string } = {},
  ): Promise<TestCluster> {
    const kube = await startFakeKubeApiServer({ bookmarkIntervalMs: 100 });
    const password = o.password ?? 'pass';
    const pair = await generateKeyPair(password);
    kube.store.create('configmaps', SYS, { metadata: { name: 'chains-config' }, data: config });
    kube.store.create('secrets', SYS, {
      metadata: { name: 'signing-secrets' },
      data: { 'cosign.key': b64(pair.privateKeyPem), 'cosign.password': b64(o.secretPassword ?? password) },
    });
    return new TestCluster(kube);
  }

  async controller(over: Partial<KubeStartOptions> = {}): Promise<StartedKube> {
    const s = await startKube(
      kubeConfigFor(this.kube),
      {
        systemNamespace: SYS,
        threads: 2,
        store: this.storeDir,
        lease: { durationSec: 2, renewMs: 300, retryMs: 200 },
        queue: { baseDelayMs: 50, maxDelayMs: 1000 },
        ...over,
      },
      silentLogger,
    );
    this.started.push(s);
    return s;
  }

  async stop(): Promise<void> {
    for (const s of this.started.splice(0)) await s.controller.stop();
    await this.kube.close();
  }

  create(doc: RunDoc): void {
    this.kube.store.create(plural(doc.kind), doc.metadata.namespace ?? 'default', { ...doc });
  }

  get(name: string, kind = 'TaskRun'): RunDoc | undefined {
    return this.kube.store.get(plural(kind), 'default', name) as RunDoc | undefined;
  }

  /** Replace fields of a stored run (as Tekton's status updates do). */
  update(name: string, change: (doc: RunDoc) => RunDoc, kind = 'TaskRun'): void {
    const cur = this.get(name, kind);
    if (!cur) throw new Error(`${kind} ${name} not found`);
    this.kube.store.update(plural(kind), 'default', name, { ...change(cur) });
  }
}

const plural = (kind: string | undefined): string => (kind === 'PipelineRun' ? 'pipelineruns' : 'taskruns');

export async function until<T>(read: () => T, ok: (v: T) => boolean, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = read();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
}
