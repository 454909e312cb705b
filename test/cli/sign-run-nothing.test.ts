import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChainsCli } from './in-process.ts';
import * as A from '../../src/controller/annotations.ts';
import { finishedKanikoTaskRun } from '../../src/demo/kaniko-run.ts';
import { generateKeyPair } from '../../src/keys/index.ts';

/** Issue 16 item 10 in `sign-run`: a run the configuration signs nothing for is not a failure. */
const work = mkdtempSync(join(tmpdir(), 'chains-nothing-'));
const keyPath = join(work, 'cosign.key');
const saved = process.env.COSIGN_PASSWORD;

beforeAll(async () => {
  writeFileSync(keyPath, (await generateKeyPair('n-pass')).privateKeyPem, { mode: 0o600 });
  process.env.COSIGN_PASSWORD = 'n-pass';
});
afterAll(() => {
  if (saved === undefined) delete process.env.COSIGN_PASSWORD;
  else process.env.COSIGN_PASSWORD = saved;
});

function files(name: string, config: string): { run: string; config: string } {
  const run = finishedKanikoTaskRun({
    name,
    uid: randomUUID(),
    image: 'reg.example/app',
    digest: `sha256:${'e'.repeat(64)}`,
  });
  delete (run.status as Record<string, unknown>).results; // built no image
  const runFile = join(work, `${name}.json`);
  writeFileSync(runFile, JSON.stringify(run));
  const configFile = join(work, `${name}-config.yaml`);
  writeFileSync(configFile, config);
  return { run: runFile, config: configFile };
}

describe('sign-run with nothing to sign', () => {
  it('PipelineRun-only config: an image-less TaskRun is left unmarked and the command succeeds', async () => {
    const f = files('clone', 'artifacts.taskrun.storage: ""\nartifacts.oci.storage: local\n');
    const out = await runChainsCli(['sign-run', f.run, '--config', f.config, '--key', keyPath]);
    expect(out.stderr).toContain(`TaskRun/default/clone: ${A.SIGNED}=unset (nothing to sign for this run)`);
    expect(out.code).toBe(0);
    const written = JSON.parse(readFileSync(f.run, 'utf8')) as { metadata: { annotations?: object } };
    expect(written.metadata.annotations ?? {}).toEqual({});
  });

  it('with TaskRun signing on, the same run is signed', async () => {
    const f = files('clone2', 'artifacts.taskrun.storage: local\n');
    const out = await runChainsCli(['sign-run', f.run, '--config', f.config, '--key', keyPath]);
    expect(out.stderr).toContain(`${A.SIGNED}=true`);
    expect(out.code).toBe(0);
  });
});
