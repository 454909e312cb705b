import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.ts';
import * as A from '../../src/controller/annotations.ts';
import { finishedKanikoTaskRun } from '../../src/demo/kaniko-run.ts';
import { ChainsMetrics } from '../../src/controller/metrics.ts';
import { Orchestrator } from '../../src/controller/orchestrator.ts';
import { ChainsPayloadBuilder } from '../../src/controller/payloads.ts';
import type { RunDoc } from '../../src/controller/ports.ts';
import { SecretSignerSource, staticSigner } from '../../src/controller/signer-source.ts';
import { RekorUploader } from '../../src/controller/tlog-uploader.ts';
import { generateKeyPair, privateKeyMaterial } from '../../src/keys/index.ts';
import { KeySigner, type SignerName } from '../../src/signing/index.ts';
import { LocalBackend } from '../../src/storage/local/local.ts';
import { TektonBackend } from '../../src/storage/tekton/tekton.ts';
import type { StorageBackend } from '../../src/storage/backend.ts';
import { RekorClient } from '../../src/tlog/client/index.ts';
import { startLogServer, type RunningLogServer } from '../../src/tlog/server/index.ts';
import { MemoryRuns } from '../fakes/memory-runs.ts';

const signer = new KeySigner(
  privateKeyMaterial(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey),
);
const work = mkdtempSync(join(tmpdir(), 'chains-orch-'));
let log: RunningLogServer;
let logAddr: string;

beforeAll(async () => {
  log = await startLogServer({ dbPath: join(work, 'log.db'), addr: '127.0.0.1:0' });
  logAddr = log.url.replace('http://', '');
});
afterAll(async () => log.close());

const digest = () => `sha256:${randomBytes(32).toString('hex')}`;

function setup(data: Record<string, string>, signerSource = staticSigner(signer)) {
  const runs = new MemoryRuns();
  const local = new LocalBackend(mkdtempSync(join(work, 'store-')));
  const cfg = parseConfig(data);
  const metrics = new ChainsMetrics();
  const orch = new Orchestrator({
    signer: signerSource,
    payloads: new ChainsPayloadBuilder(() => cfg),
    backends: async () =>
      new Map<string, StorageBackend>([
        ['tekton', new TektonBackend(runs)],
        ['local', local],
      ]),
    runs,
    tlog: new RekorUploader(new RekorClient(`http://${logAddr}`, { timeoutMs: 2000 })),
    options: () => cfg,
    metrics,
    // every run here completes after the controller started: no log search (test/controller/tlog.test.ts has those)
    startedAt: new Date(0),
  });
  return { runs, local, orch, metrics, cfg };
}

function taskRun(runs: MemoryRuns, name = `kaniko-${randomUUID().slice(0, 6)}`): RunDoc {
  return runs.add(
    finishedKanikoTaskRun({
      name,
      uid: randomUUID(),
      image: '127.0.0.1:5000/kaniko-chains',
      digest: digest(),
    }),
  );
}

const treeSize = async () => (await new RekorClient(`http://${logAddr}`).logInfo()).treeSize;

describe('orchestrator: build payload → sign → log → store → mark', () => {
  it('asks the signer registry for the name each artifact type selects (artifacts.*.signer)', async () => {
    const asked: string[] = [];
    const source = {
      current: (name: SignerName) => {
        asked.push(name);
        return Promise.resolve(signer);
      },
    };
    const { runs, orch } = setup(
      { 'artifacts.taskrun.storage': 'tekton', 'artifacts.oci.storage': 'tekton' },
      source,
    );
    expect((await orch.signRun(taskRun(runs))).status).toBe('signed');
    expect(new Set(asked)).toEqual(new Set(['x509']));
    // a second registry name for images only: the orchestrator passes it through, it does not assume x509
    const other = setup({ 'artifacts.taskrun.storage': 'tekton', 'artifacts.oci.storage': 'tekton' }, source);
    other.cfg.artifacts.oci.signer = 'other' as SignerName;
    asked.length = 0;
    expect((await other.orch.signRun(taskRun(other.runs))).status).toBe('signed');
    expect(asked.sort()).toEqual(['other', 'x509']);
  });

  it('signs a kaniko TaskRun: attestation + image signature, tekton annotations, transparency URL', async () => {
    const { runs, orch, local, metrics } = setup({
      'artifacts.taskrun.storage': 'tekton,local',
      'artifacts.oci.storage': 'tekton,local',
      'transparency.enabled': 'true',
    });
    const doc = taskRun(runs);
    const before = await treeSize();
    const out = await orch.signRun(doc);
    expect(out).toMatchObject({ status: 'signed', signed: 2 });
    const a = runs.annotations(doc.metadata.name);
    expect(a[A.SIGNED]).toBe('true');
    expect(a[A.TRANSPARENCY]).toMatch(new RegExp(`^http://${logAddr}/api/v1/log/entries\\?logIndex=\\d+$`));
    const uid = doc.metadata.uid ?? '';
    const statement = JSON.parse(
      Buffer.from(a[`chains.tekton.dev/payload-taskrun-${uid}`] ?? '', 'base64').toString(),
    );
    expect(statement.predicateType).toBe('https://slsa.dev/provenance/v0.2');
    const imageDigest = (doc.status?.results as { name: string; value: string }[])[0]?.value ?? '';
    expect(statement.subject).toEqual([
      { name: '127.0.0.1:5000/kaniko-chains', digest: { sha256: imageDigest.slice(7) } },
    ]);
    expect(a[`chains.tekton.dev/signature-${imageDigest.slice(7, 19)}`]).toBeDefined();
    expect(await treeSize()).toBe(before + 2); // one dsse + one hashedrekord
    const att = await local.read(
      {
        what: 'attestation',
        run: { kind: 'TaskRun', namespace: 'default', name: doc.metadata.name, uid },
        shortKey: `taskrun-${uid}`,
      } as never,
      { repository: '127.0.0.1:5000/kaniko-chains', digest: imageDigest },
    );
    expect(
      JSON.parse(readFileSync(join(att[0]?.dir ?? '', 'bundle.json'), 'utf8')).Payload.logIndex,
    ).toBeGreaterThanOrEqual(0);
    expect(metrics.registry.get('watcher_taskrun_marked_signed_total')).toBe(1);
    expect(metrics.registry.get('watcher_taskrun_sign_created_total')).toBe(2);
  });

  it('log down: retries with a tlog reason, stores anyway; log back: signed, no duplicate entries', async () => {
    const { runs, orch } = setup({
      'artifacts.taskrun.storage': 'local',
      'artifacts.oci.storage': 'local',
      'transparency.enabled': 'true',
    });
    const doc = taskRun(runs);
    const before = await treeSize();
    await log.close();
    const out = await orch.signRun(doc);
    expect(out.status).toBe('retry');
    const a = runs.annotations(doc.metadata.name);
    expect(a[A.RETRIES]).toBe('0');
    expect(a[A.FAILURE_REASON]).toMatch(/^tlog: uploading .* cannot reach/);
    expect(a[A.SIGNED]).toBeUndefined();
    log = await startLogServer({ dbPath: join(work, 'log.db'), addr: logAddr });
    const again = await orch.signRun(runs.get(doc.metadata.name));
    expect(again.status).toBe('signed');
    expect(runs.annotations(doc.metadata.name)[A.FAILURE_REASON]).toBeUndefined();
    expect(await treeSize()).toBe(before + 2);
    // a third pass (e.g. a duplicate event) re-uploads the same records: the log answers 409, no new entry
    const third = await orch.signRun(runs.get(doc.metadata.name));
    expect(third.status).toBe('signed');
  });

  it('wrong key password: retries 0..3 then signed=failed with the reason; fixed secret recovers', async () => {
    const pair = await generateKeyPair('right');
    const source = new SecretSignerSource({
      'cosign.key': Buffer.from(pair.privateKeyPem),
      'cosign.password': Buffer.from('wrong'),
    });
    const { runs, orch, metrics } = setup(
      { 'artifacts.taskrun.storage': 'tekton', 'artifacts.oci.storage': 'tekton' },
      source,
    );
    const doc = taskRun(runs);
    const seen: string[] = [];
    for (let i = 0; i < 5; i++) {
      const out = await orch.signRun(runs.get(doc.metadata.name));
      seen.push(out.status);
    }
    expect(seen).toEqual(['retry', 'retry', 'retry', 'retry', 'failed']);
    const a = runs.annotations(doc.metadata.name);
    expect(a[A.SIGNED]).toBe('failed');
    expect(a[A.RETRIES]).toBe('3');
    expect(a[A.FAILURE_REASON]).toMatch(
      /signing: signing taskrun-.*cannot load cosign\.key from the signing secret/,
    );
    expect(metrics.registry.get('watcher_taskrun_signing_failures_total', { error_type: 'signing' })).toBe(5);
    source.update({ 'cosign.key': Buffer.from(pair.privateKeyPem), 'cosign.password': Buffer.from('right') });
    const fresh = taskRun(runs);
    expect((await orch.signRun(fresh)).status).toBe('signed');
  });

  it('malformed run: payload_creation errors, retries, then failed with a reason naming the problem', async () => {
    const { runs, orch } = setup({ 'artifacts.taskrun.storage': 'tekton' });
    const doc = taskRun(runs);
    (doc.status as Record<string, unknown>).results = 'not-a-list';
    runs.add(doc);
    let out;
    for (let i = 0; i < 5; i++) out = await orch.signRun(runs.get(doc.metadata.name));
    expect(out?.status).toBe('failed');
    expect(runs.annotations(doc.metadata.name)[A.FAILURE_REASON]).toMatch(
      /^payload_creation: malformed run: .*results/,
    );
  });

  it('a run for which nothing is enabled is left unmarked, neither signed=true nor failed', async () => {
    const { runs, orch } = setup({ 'artifacts.taskrun.signer': 'none', 'artifacts.oci.signer': 'none' });
    const doc = taskRun(runs);
    const out = await orch.signRun(doc);
    expect(out).toEqual({ status: 'skipped', why: 'no artifact type is enabled for TaskRuns' });
    expect(runs.annotations(doc.metadata.name)).toEqual({});
    expect(orch.hasWork(doc)).toBe(false);
    expect(orch.signsKind('TaskRun')).toBe(false);
  });

  it('an image-less TaskRun with only oci enabled has nothing to sign: left unmarked', async () => {
    const { runs, orch } = setup({ 'artifacts.taskrun.storage': '', 'artifacts.oci.storage': 'tekton' });
    const doc = taskRun(runs);
    delete (doc.status as Record<string, unknown>).results;
    expect(orch.signsKind('TaskRun')).toBe(true);
    expect(orch.hasWork(doc)).toBe(false);
    const out = await orch.signRun(doc);
    expect(out.status).toBe('skipped');
    expect(runs.annotations(doc.metadata.name)[A.SIGNED]).toBeUndefined();
  });

  it('collects errors per backend: one failing backend does not stop the others', async () => {
    const runs = new MemoryRuns();
    const local = new LocalBackend(mkdtempSync(join(work, 'store-')));
    const cfg = parseConfig({
      'artifacts.taskrun.storage': 'tekton,local,oci',
      'artifacts.oci.signer': 'none',
    });
    const refusing = new TektonBackend({
      writeAnnotations: () => Promise.reject(new Error('annotations too large')),
    });
    const orch = new Orchestrator({
      signer: staticSigner(signer),
      payloads: new ChainsPayloadBuilder(() => cfg),
      backends: async () =>
        new Map<string, StorageBackend>([
          ['tekton', refusing],
          ['local', local],
        ]),
      runs,
      options: () => cfg,
    });
    const doc = taskRun(runs);
    const out = await orch.signRun(doc);
    expect(out.status).toBe('retry');
    if (out.status !== 'retry') return;
    expect(out.errors.map((e) => e.backend)).toEqual(['tekton', 'oci']);
    expect(out.reason).toMatch(/in tekton: annotations too large.*storage backend "oci" is not configured/);
    const uid = doc.metadata.uid ?? '';
    const stored = await local.read({
      what: 'run-payload',
      run: { kind: 'TaskRun', namespace: 'default', name: doc.metadata.name, uid },
      shortKey: `taskrun-${uid}`,
    } as never);
    expect(stored).toHaveLength(1);
  });

  it('transparency manual: uploads only runs asking for it (transparency-upload=true) and not yet logged', async () => {
    const { runs, orch } = setup({
      'artifacts.taskrun.storage': 'local',
      'artifacts.oci.storage': 'local',
      'transparency.enabled': 'manual',
    });
    const plain = taskRun(runs);
    const asking = taskRun(runs);
    asking.metadata.annotations = { [A.TRANSPARENCY_UPLOAD]: 'true' };
    runs.add(asking);
    const before = await treeSize();
    expect((await orch.signRun(plain)).status).toBe('signed');
    expect(runs.annotations(plain.metadata.name)[A.TRANSPARENCY]).toBeUndefined();
    expect(await treeSize()).toBe(before);
    expect((await orch.signRun(runs.get(asking.metadata.name))).status).toBe('signed');
    expect(runs.annotations(asking.metadata.name)[A.TRANSPARENCY]).toMatch(/logIndex=\d+$/);
    expect(await treeSize()).toBe(before + 2);
  });
});
