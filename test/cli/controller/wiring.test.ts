import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { pushDemoImage } from '../../../src/demo/image.ts';
import { loadLocalConfig, startLocalController } from '../../../src/cli/controller/local-mode.ts';
import { keyFileSigner } from '../../../src/cli/controller/signer.ts';
import * as A from '../../../src/controller/annotations.ts';
import { finishedKanikoTaskRun } from '../../../src/demo/kaniko-run.ts';
import { silentLogger, type Logger } from '../../../src/controller/log.ts';
import { generateKeyPair } from '../../../src/keys/index.ts';
import type { Keychain } from '../../../src/registry/keychain.ts';
import { RegistryClient } from '../../../src/registry/client.ts';
import { OciReader } from '../../../src/storage/oci/reader.ts';
import { testRegistries } from '../../setup/env.ts';

/**
 * `storage.oci.repository.insecure` against the real self-signed TLS docker-registry: the override repository
 * (127.0.0.1:PORT) is reached without verification; the image's own registry (localhost:PORT, the same server
 * under another name) is still verified, so anything stored next to the image fails with a TLS error.
 */
const work = mkdtempSync(join(tmpdir(), 'chains-wiring-'));
const keyPath = join(work, 'cosign.key');
const r = testRegistries();
const localhost = `localhost:${r.tls.split(':')[1] ?? ''}`;
const cred = { kind: 'basic' as const, username: r.user, password: r.password };
const keychain: Keychain = {
  resolve: async (reg) => (reg === r.tls || reg === localhost ? cred : undefined),
};

beforeAll(async () => {
  const pair = await generateKeyPair('wiring-pass');
  writeFileSync(keyPath, pair.privateKeyPem, { mode: 0o600 });
  process.env.COSIGN_PASSWORD = 'wiring-pass';
});

async function signOnce(data: Record<string, string>, log: Logger = silentLogger) {
  const image = `${localhost}/insecure-${randomUUID().slice(0, 8)}`;
  const caClient = new RegistryClient({ keychain, caCert: readFileSync(r.caCert) });
  const digest = await pushDemoImage(caClient, image, 'latest', `${image}\n`);
  const dir = mkdtempSync(join(work, 'runs-'));
  const cfg = join(dir, 'chains-config.yaml');
  writeFileSync(cfg, stringify(data));
  const ctl = await startLocalController({
    dir,
    config: loadLocalConfig(cfg, silentLogger),
    signer: await keyFileSigner(keyPath, false),
    storeDir: join(dir, '.store'),
    threads: 1,
    log,
    keychain,
    baseDelayMs: 20,
    maxDelayMs: 40,
  });
  const file = join(dir, 'run.json');
  writeFileSync(file, JSON.stringify(finishedKanikoTaskRun({ name: 'k', uid: randomUUID(), image, digest })));
  const end = Date.now() + 30_000;
  let a: Record<string, string> = {};
  while (Date.now() < end && a[A.SIGNED] === undefined) {
    await new Promise((res) => setTimeout(res, 50));
    a =
      (JSON.parse(readFileSync(file, 'utf8')) as { metadata: { annotations?: Record<string, string> } })
        .metadata.annotations ?? {};
  }
  await ctl.stop();
  return { a, digest, caClient };
}

const base = {
  'artifacts.taskrun.storage': 'oci',
  'artifacts.oci.storage': 'oci',
  'storage.oci.repository': `${r.tls}/sigs`,
  'storage.oci.repository.insecure': 'true',
};

describe('storage.oci.repository.insecure applies to the override repository only', () => {
  it('stores .sig/.att in the override repository over unverified TLS', async () => {
    const { a, digest, caClient } = await signOnce(base);
    expect(a[A.SIGNED]).toBe('true');
    const reader = new OciReader(caClient, { repository: `${r.tls}/sigs` });
    const t = { repository: 'unused/by-override', digest };
    expect(await reader.signatures(t)).toHaveLength(1);
    expect(await reader.attestations(t)).toHaveLength(1);
  });

  it('still verifies TLS for the image registry (referrers next to the image fail)', async () => {
    const { a } = await signOnce({ ...base, 'storage.oci.encoding-format': 'sigstore-bundle' });
    expect(a[A.SIGNED]).toBe('failed');
    expect(a[A.FAILURE_REASON]).toMatch(/TLS error talking to localhost:\d+/);
  });

  it('without an override repository it has no effect, and says so', async () => {
    const lines: string[] = [];
    const log: Logger = (level, msg) => void lines.push(`${level} ${msg}`);
    const { a } = await signOnce({ ...base, 'storage.oci.repository': '' }, log);
    expect(a[A.SIGNED]).toBe('failed');
    expect(a[A.FAILURE_REASON]).toMatch(/TLS error talking to localhost:\d+/);
    expect(lines).toContain(
      'warn storage.oci.repository.insecure has no effect without storage.oci.repository',
    );
  });
});
