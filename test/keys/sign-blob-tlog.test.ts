import { execFileSync } from 'node:child_process';
import { createPublicKey, hash, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyEd25519ph } from '../../src/keys/index.ts';
import { RekorClient } from '../../src/tlog/client/index.ts';
import { startLogServer, type RunningLogServer } from '../../src/tlog/server/index.ts';
import { hostOf, skopeoCopyIn, uniqueRepo } from '../registry/helpers.ts';
import { chains, type Run } from './helpers.ts';

/**
 * cosign 2.x compatibility of the key-based signing commands: `sign-blob --key` logs to --rekor-url unless
 * `--tlog-upload=false` (cosign options/signblob.go), with Ed25519ph only when it logs (cosign sign_blob.go), and
 * `-y/--yes` is accepted by sign-blob, sign-dsse, sign and attest.
 */
let dir = '';
let log: RunningLogServer;
let rekor: RekorClient;
const BLOB = Buffer.from('blob for the log\n');

async function ok(args: string[]): Promise<Run> {
  const r = await chains(args, { cwd: dir, env: { COSIGN_PASSWORD: '' } });
  expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r;
}

const treeSize = async (): Promise<number> => (await rekor.logInfo()).treeSize;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'chains-sign-blob-tlog-'));
  log = await startLogServer({ dbPath: join(dir, 'log.db'), addr: '127.0.0.1:0' });
  rekor = new RekorClient(log.url);
  writeFileSync(join(dir, 'blob'), BLOB);
  writeFileSync(join(dir, 'pred.json'), JSON.stringify({ buildType: 'https://example/build' }));
  await ok(['generate-key-pair']);
  execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', 'ed.pem'], { cwd: dir });
  await ok(['import-key-pair', '--key', 'ed.pem', '--output-key-prefix', 'ed']);
});

afterAll(async () => {
  await log.close();
});

describe('sign-blob --key and the transparency log', { timeout: 180_000 }, () => {
  it('logs a hashedrekord entry at --rekor-url by default; --tlog-upload=false logs nothing', async () => {
    const before = await treeSize();
    const logged = await ok(['sign-blob', '--key', 'cosign.key', '--rekor-url', log.url, 'blob']);
    const index = /tlog entry created with index: (\d+)/.exec(logged.stderr)?.[1];
    expect(index, logged.stderr).toBeDefined();
    expect(await treeSize()).toBe(before + 1);
    const entry = await rekor.getEntryByIndex(Number(index));
    const body = JSON.parse(Buffer.from(entry.body, 'base64').toString()) as {
      kind: string;
      spec: { data: { hash: { algorithm: string; value: string } }; signature: { content: string } };
    };
    expect(body.kind).toBe('hashedrekord');
    expect(body.spec.data.hash).toEqual({ algorithm: 'sha256', value: hash('sha256', BLOB, 'hex') });
    expect(body.spec.signature.content).toBe(logged.stdout.trim());

    const offline = await ok([
      'sign-blob',
      '--key',
      'cosign.key',
      '--rekor-url',
      log.url,
      '--tlog-upload=false',
      'blob',
    ]);
    expect(offline.stderr).not.toContain('tlog entry');
    expect(await treeSize()).toBe(before + 1);
    for (const sig of [logged.stdout.trim(), offline.stdout.trim()])
      await ok(['verify-blob', '--key', 'cosign.pub', '--signature', sig, 'blob']);
  });

  it("reads --tlog-upload's value as Go's ParseBool does: =0 and =F stay offline, a bare flag before the file is refused", async () => {
    const before = await treeSize();
    for (const v of ['0', 'F', 'False']) {
      const r = await ok([
        'sign-blob',
        '--key',
        'cosign.key',
        '--rekor-url',
        log.url,
        `--tlog-upload=${v}`,
        'blob',
      ]);
      expect(r.stderr).not.toContain('tlog entry');
    }
    expect(await treeSize()).toBe(before);
    // pflag would take `blob` as the file; commander's optional value takes it as the flag's: refuse, never guess
    const bare = await chains(
      ['sign-blob', '--key', 'cosign.key', '--rekor-url', log.url, '--tlog-upload', 'blob'],
      {
        cwd: dir,
        env: { COSIGN_PASSWORD: '' },
      },
    );
    expect(bare.code).toBe(1);
    expect(bare.stderr).toContain('--tlog-upload=false');
    expect(await treeSize()).toBe(before);
    await ok(['sign-blob', '--key', 'cosign.key', '--rekor-url', log.url, '--tlog-upload=1', 'blob']);
    expect(await treeSize()).toBe(before + 1);
  });

  it('Ed25519: Ed25519ph when logged, pure Ed25519 with --tlog-upload=false (as cosign)', async () => {
    const pub = createPublicKey(readFileSync(join(dir, 'ed.pub')));
    const raw = Buffer.from(pub.export({ format: 'jwk' }).x ?? '', 'base64url');
    const logged = Buffer.from(
      (await ok(['sign-blob', '--key', 'ed.key', '--rekor-url', log.url, 'blob'])).stdout.trim(),
      'base64',
    );
    expect(verifyEd25519ph(raw, hash('sha512', BLOB, 'buffer'), logged)).toBe(true);
    expect(verify(null, BLOB, pub, logged)).toBe(false);
    const offline = Buffer.from(
      (await ok(['sign-blob', '--key', 'ed.key', '--tlog-upload=false', 'blob'])).stdout.trim(),
      'base64',
    );
    expect(verify(null, BLOB, pub, offline)).toBe(true);
    for (const sig of [logged, offline])
      await ok(['verify-blob', '--key', 'ed.pub', '--signature', sig.toString('base64'), 'blob']);
  });
});

describe('cosign’s -y / --yes on the signing commands', { timeout: 180_000 }, () => {
  it.each(['--yes', '-y'])('%s is accepted by sign-blob, sign-dsse, sign and attest', async (yes) => {
    const sig = await ok(['sign-blob', yes, '--key', 'cosign.key', '--tlog-upload=false', 'blob']);
    await ok(['verify-blob', '--key', 'cosign.pub', '--signature', sig.stdout.trim(), 'blob']);
    await ok(['sign-dsse', yes, '--key', 'cosign.key', '--output', 'env.json', 'blob']);
    await ok(['verify-dsse', '--key', 'cosign.pub', 'env.json']);
    const repo = uniqueRepo('yes');
    const image = `${hostOf('plain')}/${repo}@${skopeoCopyIn('plain', hostOf('plain'), repo, `yes ${yes}\n`)}`;
    const rekorUrl = ['--rekor-url', log.url];
    await ok(['sign', yes, '--key', 'cosign.key', ...rekorUrl, image]);
    await ok(['attest', yes, '--key', 'cosign.key', ...rekorUrl, '--predicate', 'pred.json', image]);
    await ok(['verify', '--key', 'cosign.pub', ...rekorUrl, image]);
    await ok(['verify-attestation', '--key', 'cosign.pub', ...rekorUrl, image]);
  });
});
