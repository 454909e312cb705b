import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChainsCli } from './in-process.ts';
import { pushDemoImage } from '../../src/demo/image.ts';
import * as A from '../../src/controller/annotations.ts';
import { finishedKanikoTaskRun } from '../../src/demo/kaniko-run.ts';
import { generateKeyPair } from '../../src/keys/index.ts';
import { staticKeychain } from '../../src/registry/keychain.ts';
import { RegistryClient } from '../../src/registry/client.ts';
import { OciReader } from '../../src/storage/oci/reader.ts';
import { testRegistries } from '../setup/env.ts';

/**
 * `sign-run` and `controller --local` read the docker config as `sign`/`triangulate` do: a config.json in
 * $DOCKER_CONFIG whose credHelpers entry names a `docker-credential-*` script on PATH, against the real
 * htpasswd-protected docker-registry.
 */
const work = mkdtempSync(join(tmpdir(), 'chains-docker-keychain-'));
const keyPath = join(work, 'cosign.key');
const r = testRegistries();
const creds = staticKeychain(r.auth, { kind: 'basic', username: r.user, password: r.password });
const saved = { path: process.env.PATH, docker: process.env.DOCKER_CONFIG, pw: process.env.COSIGN_PASSWORD };
const asked = join(work, 'asked');

beforeAll(async () => {
  const pair = await generateKeyPair('dk-pass');
  writeFileSync(keyPath, pair.privateKeyPem, { mode: 0o600 });
  process.env.COSIGN_PASSWORD = 'dk-pass';
  const bin = mkdtempSync(join(work, 'bin-'));
  const helper = join(bin, 'docker-credential-chainsci');
  const answer = `{"ServerURL":"%s","Username":"${r.user}","Secret":"${r.password}"}`;
  writeFileSync(helper, `#!/bin/sh\nurl=$(cat)\necho "$url" >> ${asked}\nprintf '${answer}' "$url"\n`);
  chmodSync(helper, 0o755);
  process.env.PATH = `${bin}:${saved.path ?? ''}`;
  const dockerDir = mkdtempSync(join(work, 'docker-'));
  writeFileSync(
    join(dockerDir, 'config.json'),
    JSON.stringify({ auths: null, credHelpers: { [r.auth]: 'chainsci' } }),
  );
  process.env.DOCKER_CONFIG = dockerDir;
});
afterAll(() => {
  process.env.PATH = saved.path;
  if (saved.docker === undefined) delete process.env.DOCKER_CONFIG;
  else process.env.DOCKER_CONFIG = saved.docker;
  if (saved.pw === undefined) delete process.env.COSIGN_PASSWORD;
  else process.env.COSIGN_PASSWORD = saved.pw;
});

function config(): string {
  const p = join(mkdtempSync(join(work, 'cfg-')), 'chains-config.yaml');
  writeFileSync(p, stringify({ 'artifacts.taskrun.storage': 'oci', 'artifacts.oci.storage': 'oci' }));
  return p;
}

/** A kaniko run whose image is in the auth registry; returns the run file and the image. */
async function runFile(dir: string): Promise<{ file: string; image: string; digest: string }> {
  const image = `${r.auth}/docker-keychain-${randomUUID().slice(0, 8)}`;
  const digest = await pushDemoImage(new RegistryClient({ keychain: creds }), image, 'latest', `${image}\n`);
  const file = join(dir, 'run.json');
  writeFileSync(file, JSON.stringify(finishedKanikoTaskRun({ name: 'k', uid: randomUUID(), image, digest })));
  return { file, image, digest };
}

const annotationsIn = (file: string): Record<string, string> =>
  (JSON.parse(readFileSync(file, 'utf8')) as { metadata: { annotations?: Record<string, string> } }).metadata
    .annotations ?? {};

async function stored(image: string, digest: string): Promise<[number, number]> {
  const reader = new OciReader(new RegistryClient({ keychain: creds }));
  const t = { repository: image, digest };
  return [(await reader.signatures(t)).length, (await reader.attestations(t)).length];
}

describe('docker config in sign-run and controller --local', () => {
  it('sign-run pushes signature and attestation with the credential helper', async () => {
    const dir = mkdtempSync(join(work, 'signrun-'));
    const { file, image, digest } = await runFile(dir);
    const out = await runChainsCli(['sign-run', file, '--config', config(), '--key', keyPath]);
    expect(out.stderr).toContain(`${A.SIGNED}=true`);
    expect(out.code).toBe(0);
    expect(await stored(image, digest)).toEqual([1, 1]);
    expect(readFileSync(asked, 'utf8')).toContain(r.auth);
    expect(out.stderr).not.toContain(r.password);
  });

  it('controller --local --once signs with the same docker config', async () => {
    const dir = mkdtempSync(join(work, 'local-'));
    const { file, image, digest } = await runFile(dir);
    const out = await runChainsCli([
      'controller',
      '--local',
      dir,
      '--once',
      '--config',
      config(),
      '--key',
      keyPath,
    ]);
    expect(annotationsIn(file)[A.SIGNED]).toBe('true');
    expect(out.code).toBe(0);
    expect(await stored(image, digest)).toEqual([1, 1]);
    expect(out.stderr).not.toContain(r.password);
  });

  it('without the docker config the same run fails for want of credentials (the test can fail)', async () => {
    const dir = mkdtempSync(join(work, 'nocfg-'));
    const { file } = await runFile(dir);
    const withHelper = process.env.DOCKER_CONFIG;
    process.env.DOCKER_CONFIG = mkdtempSync(join(work, 'empty-docker-'));
    try {
      const out = await runChainsCli(['sign-run', file, '--config', config(), '--key', keyPath]);
      expect(out.code).toBe(1);
      expect(out.stderr).toMatch(/no credentials are configured/);
    } finally {
      process.env.DOCKER_CONFIG = withHelper;
    }
  });
});
