import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChainsCli } from '../cli/in-process.ts';
import { pushDemoImage } from '../../src/demo/image.ts';
import { loadLocalConfig, startLocalController } from '../../src/cli/controller/local-mode.ts';
import { keyFileSigner } from '../../src/cli/controller/signer.ts';
import * as A from '../../src/controller/annotations.ts';
import { finishedKanikoTaskRun } from '../../src/demo/kaniko-run.ts';
import { silentLogger } from '../../src/controller/log.ts';
import { generateKeyPair } from '../../src/keys/index.ts';
import { RegistryClient } from '../../src/registry/client.ts';
import { startRegistryServer } from '../../src/registry/server/index.ts';
import { OciReader } from '../../src/storage/oci/reader.ts';
import { RekorClient } from '../../src/tlog/client/index.ts';
import { startLogServer, type RunningLogServer } from '../../src/tlog/server/index.ts';
import { testRegistries } from '../setup/env.ts';

const work = mkdtempSync(join(tmpdir(), 'chains-local-mode-'));
const keyPath = join(work, 'cosign.key');
let log: RunningLogServer;

beforeAll(async () => {
  const pair = await generateKeyPair('local-pass');
  writeFileSync(keyPath, pair.privateKeyPem, { mode: 0o600 });
  writeFileSync(join(work, 'cosign.pub'), pair.publicKeyPem);
  process.env.COSIGN_PASSWORD = 'local-pass';
  log = await startLogServer({ dbPath: join(work, 'log.db'), addr: '127.0.0.1:0' });
});
afterAll(async () => {
  delete process.env.COSIGN_PASSWORD;
  await log.close();
});

function configFile(data: Record<string, string>): string {
  const p = join(mkdtempSync(join(work, 'cfg-')), 'chains-config.yaml');
  writeFileSync(p, stringify(data));
  return p;
}

async function until<T>(read: () => T | Promise<T>, ok: (v: T) => boolean, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

const annotationsIn = (file: string): Record<string, string> =>
  (JSON.parse(readFileSync(file, 'utf8')) as { metadata: { annotations?: Record<string, string> } }).metadata
    .annotations ?? {};

type LocalOptions = Parameters<typeof startLocalController>[0];

/** Local-mode controller storing in OCI and logging to our log (the tutorial's configuration). */
async function startOciLogController(
  dir: string,
  extra: Pick<LocalOptions, 'threads'> & Partial<LocalOptions>,
): ReturnType<typeof startLocalController> {
  return startLocalController({
    dir,
    config: loadLocalConfig(
      configFile({
        'artifacts.taskrun.storage': 'oci',
        'transparency.enabled': 'true',
        'transparency.url': log.url,
      }),
      silentLogger,
    ),
    signer: await keyFileSigner(keyPath, false),
    storeDir: join(dir, '.store'),
    log: silentLogger,
    ...extra,
  });
}

describe('chains sign-run', () => {
  it('signs a YAML run file and writes Chains annotations back into it (tekton + local storage)', async () => {
    const dir = mkdtempSync(join(work, 'signrun-'));
    const file = join(dir, 'kaniko-run.yaml');
    const run = finishedKanikoTaskRun({
      name: 'kaniko-run',
      uid: randomUUID(),
      image: 'reg.example/app',
      digest: `sha256:${'1'.repeat(64)}`,
    });
    writeFileSync(file, stringify(run));
    const cfg = configFile({
      'artifacts.taskrun.storage': 'tekton,local',
      'artifacts.oci.storage': 'tekton',
    });
    const r = await runChainsCli([
      'sign-run',
      file,
      '--config',
      cfg,
      '--key',
      keyPath,
      '--store',
      join(dir, 'store'),
    ]);
    expect(r.stderr).toContain(`TaskRun/default/kaniko-run: ${A.SIGNED}=true`);
    expect(r.code).toBe(0);
    const back = parseYaml(readFileSync(file, 'utf8')) as typeof run;
    const a = back.metadata.annotations ?? {};
    expect(a[A.SIGNED]).toBe('true');
    expect(Object.keys(a).filter((k) => k.startsWith('chains.tekton.dev/payload-'))).toHaveLength(2);
    expect(back.status).toEqual(run.status); // nothing but annotations changed
  });

  it('fails with the reason on a wrong key password, and marks the run failed after the retries', async () => {
    const dir = mkdtempSync(join(work, 'signrun-'));
    const file = join(dir, 'run.json');
    writeFileSync(
      file,
      JSON.stringify(
        finishedKanikoTaskRun({
          name: 'r',
          uid: randomUUID(),
          image: 'reg.example/app',
          digest: `sha256:${'2'.repeat(64)}`,
        }),
      ),
    );
    process.env.COSIGN_PASSWORD = 'not-the-password';
    try {
      const r = await runChainsCli([
        'sign-run',
        file,
        '--config',
        configFile({ 'artifacts.taskrun.storage': 'tekton' }),
        '--key',
        keyPath,
      ]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/signed=failed/);
      expect(r.stderr).toMatch(/failure-reason: signing: .*cannot load cosign\.key/);
    } finally {
      process.env.COSIGN_PASSWORD = 'local-pass';
    }
    expect(annotationsIn(file)[A.RETRIES]).toBe('3');
  });

  it('rejects a file without runs, and an invalid config, with clear errors', async () => {
    const dir = mkdtempSync(join(work, 'signrun-'));
    writeFileSync(join(dir, 'x.yaml'), 'kind: ConfigMap\nmetadata: {name: x}\n');
    const none = await runChainsCli(['sign-run', join(dir, 'x.yaml'), '--key', keyPath]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no TaskRun or PipelineRun found \[LOCAL_RUN_FILE\]/);
    writeFileSync(
      join(dir, 'r.json'),
      JSON.stringify(
        finishedKanikoTaskRun({
          name: 'r',
          uid: randomUUID(),
          image: 'a/b',
          digest: `sha256:${'3'.repeat(64)}`,
        }),
      ),
    );
    const bad = await runChainsCli([
      'sign-run',
      join(dir, 'r.json'),
      '--key',
      keyPath,
      '--config',
      configFile({ 'artifacts.taskrun.format': 'slsa/v0' }),
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/artifacts\.taskrun\.format: invalid value "slsa\/v0" wanted one of/);
  });
});

describe('chains controller --local', () => {
  it('signs a kaniko run against the real registry and our log: cosign layout, annotations, log entries', async () => {
    const host = testRegistries().plain;
    const image = `${host}/local-mode-${randomUUID().slice(0, 8)}`;
    const digest = await pushDemoImage(new RegistryClient(), image, 'latest', `local ${randomUUID()}\n`);
    const dir = mkdtempSync(join(work, 'runs-'));
    const ctl = await startOciLogController(dir, { threads: 2 });
    try {
      const file = join(dir, 'kaniko.json');
      writeFileSync(
        file,
        JSON.stringify(finishedKanikoTaskRun({ name: 'kaniko', uid: randomUUID(), image, digest })),
      );
      const a = await until(
        () => annotationsIn(file),
        (x) => x[A.SIGNED] !== undefined,
      );
      expect(a[A.SIGNED]).toBe('true');
      const reader = new OciReader(new RegistryClient());
      expect(await reader.signatures({ repository: image, digest })).toHaveLength(1);
      const att = await reader.attestations({ repository: image, digest });
      expect(att).toHaveLength(1);
      expect(att[0]?.annotations['dev.sigstore.cosign/bundle']).toBeDefined();
      const index = Number(/logIndex=(\d+)$/.exec(a[A.TRANSPARENCY] ?? '')?.[1]);
      expect((await new RekorClient(log.url).getEntryByIndex(index)).logIndex).toBe(index);
      const uuids = await new RekorClient(log.url).search({ hash: digest });
      expect(uuids.length).toBeGreaterThanOrEqual(1);
    } finally {
      await ctl.stop();
    }
  });

  it('registry down: retries with the reason; registry back: signed, one layer each, no duplicate log entries', async () => {
    const regDir = mkdtempSync(join(work, 'reg-'));
    let registry = await startRegistryServer({ addr: '127.0.0.1:0', dir: regDir });
    const addr = registry.host;
    const image = `${addr}/flaky`;
    const digest = await pushDemoImage(new RegistryClient(), image);
    await registry.close();
    const dir = mkdtempSync(join(work, 'runs-'));
    const before = (await new RekorClient(log.url).logInfo()).treeSize;
    const ctl = await startOciLogController(dir, { threads: 1, baseDelayMs: 400 });
    try {
      const file = join(dir, 'run.json');
      writeFileSync(
        file,
        JSON.stringify(finishedKanikoTaskRun({ name: 'flaky', uid: randomUUID(), image, digest })),
      );
      const failing = await until(
        () => annotationsIn(file),
        (x) => x[A.RETRIES] !== undefined,
      );
      expect(failing[A.SIGNED]).toBeUndefined();
      expect(failing[A.FAILURE_REASON]).toMatch(/^storage: storing .* in oci: /);
      registry = await startRegistryServer({ addr, dir: regDir });
      const a = await until(
        () => annotationsIn(file),
        (x) => x[A.SIGNED] !== undefined,
      );
      expect(a[A.SIGNED]).toBe('true');
      expect(a[A.FAILURE_REASON]).toBeUndefined();
      const reader = new OciReader(new RegistryClient());
      expect(await reader.signatures({ repository: image, digest })).toHaveLength(1);
      expect(await reader.attestations({ repository: image, digest })).toHaveLength(1);
      expect((await new RekorClient(log.url).logInfo()).treeSize).toBe(before + 2);
    } finally {
      await ctl.stop();
      await registry.close();
    }
  });

  it('registry never back: signed=failed with retries 3 and the reason; unreadable files are skipped', async () => {
    const dir = mkdtempSync(join(work, 'runs-'));
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'broken.yaml'), 'metadata: [unclosed');
    const ctl = await startLocalController({
      dir,
      config: loadLocalConfig(
        configFile({ 'artifacts.taskrun.storage': 'oci', 'artifacts.oci.storage': 'oci' }),
        silentLogger,
      ),
      signer: await keyFileSigner(keyPath, false),
      storeDir: join(dir, '.store'),
      threads: 1,
      log: silentLogger,
      baseDelayMs: 20,
    });
    try {
      const file = join(dir, 'run.json');
      writeFileSync(
        file,
        JSON.stringify(
          finishedKanikoTaskRun({
            name: 'gone',
            uid: randomUUID(),
            image: '127.0.0.1:9/nothing-here',
            digest: `sha256:${'4'.repeat(64)}`,
          }),
        ),
      );
      const a = await until(
        () => annotationsIn(file),
        (x) => x[A.SIGNED] !== undefined,
      );
      expect(a[A.SIGNED]).toBe('failed');
      expect(a[A.RETRIES]).toBe('3');
      expect(a[A.FAILURE_REASON]).toMatch(/storage: storing .* in oci: .*127\.0\.0\.1:9/);
    } finally {
      await ctl.stop();
    }
  });
});

describe('chains demo', () => {
  it('runs the tutorial end to end and exits 0 with every step titled', async () => {
    const r = await runChainsCli(['demo', '--dir', mkdtempSync(join(work, 'demo-'))]);
    for (const title of [
      'Generate a Key Pair',
      'Set up Authentication',
      'Configuring Tekton Chains',
      'Start the Kaniko Task',
      'Verifying the Image and Attestation',
      'Finding Provenance in Rekor',
    ])
      expect(r.stdout).toContain(title);
    expect(r.stdout).toContain('All checks passed.');
    expect(r.stdout).toContain('"predicateType": "https://slsa.dev/provenance/v0.2"');
    expect(r.stdout).not.toContain('✗');
    expect(r.code).toBe(0);
  });

  it('exits 1 when a step cannot run (work directory is a file)', async () => {
    const file = join(mkdtempSync(join(work, 'demo-bad-')), 'not-a-dir');
    writeFileSync(file, 'x');
    const r = await runChainsCli(['demo', '--dir', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).not.toContain('All checks passed.');
  });
});
