import { mkdtempSync, readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPrivateKey, loadPublicKey } from '../../src/keys/index.ts';
import { VECTORS } from '../setup/env.ts';
import { chains } from './helpers.ts';
import type { Run } from './helpers.ts';

const mode = (p: string): number => statSync(p).mode & 0o777;
const PW = { COSIGN_PASSWORD: 'pw' };

/** The one-line error contract: a single stderr line `Error: ... [CODE]`, exit 1. */
function expectError(r: Run, code: string, message?: RegExp): void {
  expect(r.code).toBe(1);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines.at(-1)).toMatch(new RegExp(`^Error: .*\\[${code}\\]$`));
  expect(r.stderr).not.toMatch(/\n\s+at /);
  if (message) expect(r.stderr).toMatch(message);
}

describe('chains generate-key-pair / import-key-pair / public-key', { timeout: 180_000 }, () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'keys-cli-'));
  });

  it('writes cosign.key (0600) and cosign.pub with cosign messages; key decrypts with COSIGN_PASSWORD', async () => {
    const r = await chains(['generate-key-pair'], { cwd: dir, env: PW });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('Private key written to cosign.key\nPublic key written to cosign.pub\n');
    expect(mode(join(dir, 'cosign.key'))).toBe(0o600);
    const key = readFileSync(join(dir, 'cosign.key'), 'utf8');
    expect(key).toMatch(/^-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n/);
    const env = JSON.parse(Buffer.from(key.split('\n').slice(1, -2).join(''), 'base64').toString()) as {
      kdf: { params: unknown };
    };
    expect(env.kdf.params).toEqual({ N: 65536, r: 8, p: 1 });
    const loaded = await loadPrivateKey(key, 'pw');
    expect(loaded.algorithm).toBe('ecdsa-p256');
    expect(readFileSync(join(dir, 'cosign.pub'), 'utf8')).toBe(loaded.publicKey.pem);
  });

  it('refuses to overwrite without a TTY, keeps the files, and overwrites with --force', async () => {
    const before = readFileSync(join(dir, 'cosign.key'), 'utf8');
    expectError(
      await chains(['generate-key-pair'], { cwd: dir, env: PW }),
      'CLI_EXISTS',
      /cosign.key already exists/,
    );
    expect(readFileSync(join(dir, 'cosign.key'), 'utf8')).toBe(before);
    const r = await chains(['generate-key-pair', '--force'], { cwd: dir, env: PW });
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, 'cosign.key'), 'utf8')).not.toBe(before);
    expect(mode(join(dir, 'cosign.key'))).toBe(0o600);
  });

  it('reads the password from stdin when COSIGN_PASSWORD is unset, and uses an empty COSIGN_PASSWORD', async () => {
    expect(
      (await chains(['generate-key-pair', '--output-key-prefix', 'stdin'], { cwd: dir, input: 's3cr3t' }))
        .code,
    ).toBe(0);
    await expect(loadPrivateKey(readFileSync(join(dir, 'stdin.key')), 's3cr3t')).resolves.toBeDefined();
    const r = await chains(['generate-key-pair', '--output-key-prefix', 'empty'], {
      cwd: dir,
      env: { COSIGN_PASSWORD: '' },
      input: 'x',
    });
    expect(r.code).toBe(0);
    await expect(loadPrivateKey(readFileSync(join(dir, 'empty.key')), '')).resolves.toBeDefined();
  });

  it('public-key prints the PEM; a wrong password is a one-line WRONG_PASSWORD error', async () => {
    const r = await chains(['public-key', '--key', 'cosign.key'], { cwd: dir, env: PW });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(readFileSync(join(dir, 'cosign.pub'), 'utf8'));
    expectError(
      await chains(['public-key', '--key', 'cosign.key'], { cwd: dir, env: { COSIGN_PASSWORD: 'nope' } }),
      'WRONG_PASSWORD',
      /password is wrong/,
    );
    expectError(
      await chains(['public-key', '--key', 'missing.key'], { cwd: dir, env: PW }),
      'CLI_READ',
      /missing.key: no such file/,
    );
  });

  it('import-key-pair re-wraps a SEC1 key as import-cosign.{key,pub}', async () => {
    const src = `${VECTORS}cosign-keys/plaintext/ec-p384-sec1.pem`;
    const r = await chains(['import-key-pair', '--key', src], { cwd: dir, env: PW });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('Private key written to import-cosign.key');
    expect(mode(join(dir, 'import-cosign.key'))).toBe(0o600);
    const k = await loadPrivateKey(readFileSync(join(dir, 'import-cosign.key')), 'pw');
    expect(k.algorithm).toBe('ecdsa-p384');
    expect(loadPublicKey(readFileSync(join(dir, 'import-cosign.pub'))).pem).toBe(k.publicKey.pem);
  });

  it.each([
    ['rsa1024-pkcs1-too-small.pem', 'WEAK_KEY', /key size not supported: 1024/],
    ['ec-p224-sec1.pem', 'WEAK_KEY', /P-224 not allowed/],
    ['rsa2048-spki-public-key.pem', 'UNSUPPORTED_KEY', /unsupported private key/],
    ['pgp-private-key-block.asc', 'INVALID_PRIVATE_KEY', /invalid pem block/],
  ])('import-key-pair rejects %s (%s) and writes nothing', async (file, code, msg) => {
    const prefix = `rej-${file}`;
    const r = await chains(
      ['import-key-pair', '--key', `${VECTORS}cosign-keys/plaintext/${file}`, '--output-key-prefix', prefix],
      { cwd: dir, env: PW },
    );
    expectError(r, code, msg);
    expect(existsSync(join(dir, `${prefix}.key`))).toBe(false);
  });

  it('a missing required option or unknown command exits 1', async () => {
    expect((await chains(['import-key-pair'], { cwd: dir })).code).toBe(1);
    expect((await chains(['no-such-command'], { cwd: dir })).code).toBe(1);
    const r = await chains(['generate-key-pair', '--output-key-prefix', join(dir, 'no/such/dir/k')], {
      cwd: dir,
      env: PW,
    });
    expectError(r, 'CLI_WRITE', /cannot write .*no\/such\/dir\/k.key/);
  });
});

describe('chains sign-blob / verify-blob / sign-dsse / verify-dsse', { timeout: 180_000 }, () => {
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sign-cli-'));
    await chains(['generate-key-pair'], { cwd: dir, env: PW });
    writeFileSync(join(dir, 'blob.txt'), 'hello chains\n');
    writeFileSync(join(dir, 'other.txt'), 'hello chainz\n');
  });
  afterAll(() => undefined);

  it('sign-blob prints a signature that verify-blob accepts as file or text; another blob fails', async () => {
    const s = await chains(['sign-blob', '--key', 'cosign.key', '--tlog-upload=false', 'blob.txt'], {
      cwd: dir,
      env: PW,
    });
    expect(s.code).toBe(0);
    const sig = s.stdout.trim();
    expect(Buffer.from(sig, 'base64')[0]).toBe(0x30);
    const ok = await chains(['verify-blob', '--key', 'cosign.pub', '--signature', sig, 'blob.txt'], {
      cwd: dir,
    });
    expect(ok).toMatchObject({ code: 0, stderr: 'Verified OK\n' });
    expectError(
      await chains(['verify-blob', '--key', 'cosign.pub', '--signature', sig, 'other.txt'], { cwd: dir }),
      'SIGNATURE_MISMATCH',
    );
  });

  it('- reads the blob from stdin (cosign), for sign-blob and verify-blob', async () => {
    const s = await chains(['sign-blob', '--key', 'cosign.key', '--tlog-upload=false', '-'], {
      cwd: dir,
      env: PW,
      input: 'piped\n',
    });
    expect(s.code).toBe(0);
    const sig = s.stdout.trim();
    const verify = (input: string) =>
      chains(['verify-blob', '--key', 'cosign.pub', '--signature', sig, '-'], { cwd: dir, input });
    expect(await verify('piped\n')).toMatchObject({ code: 0, stderr: 'Verified OK\n' });
    expectError(await verify('other\n'), 'SIGNATURE_MISMATCH');
  });

  it('--output-signature writes a 0600 file usable by verify-blob', async () => {
    const s = await chains(
      [
        'sign-blob',
        '--key',
        'cosign.key',
        '--tlog-upload=false',
        '--output-signature',
        'blob.sig',
        'blob.txt',
      ],
      { cwd: dir, env: PW },
    );
    expect(s.code).toBe(0);
    expect(mode(join(dir, 'blob.sig'))).toBe(0o600);
    const ok = await chains(['verify-blob', '--key', 'cosign.pub', '--signature', 'blob.sig', 'blob.txt'], {
      cwd: dir,
    });
    expect(ok.code).toBe(0);
  });

  it('sign-dsse prints an envelope verify-dsse accepts; a tampered envelope fails', async () => {
    const s = await chains(['sign-dsse', '--key', 'cosign.key', '--payload-type', 'text/plain', 'blob.txt'], {
      cwd: dir,
      env: PW,
    });
    expect(s.code).toBe(0);
    const env = JSON.parse(s.stdout) as {
      payloadType: string;
      payload: string;
      signatures: { keyid: string }[];
    };
    expect(Object.keys(env)).toEqual(['payloadType', 'payload', 'signatures']);
    expect(env.payloadType).toBe('text/plain');
    expect(env.signatures[0]?.keyid).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    writeFileSync(join(dir, 'env.json'), s.stdout);
    const ok = await chains(['verify-dsse', '--key', 'cosign.pub', 'env.json'], { cwd: dir });
    expect(ok).toMatchObject({ code: 0, stderr: 'Verified OK\n' });
    writeFileSync(join(dir, 'bad.json'), s.stdout.replace('"text/plain"', '"text/plaiN"'));
    expectError(
      await chains(['verify-dsse', '--key', 'cosign.pub', 'bad.json'], { cwd: dir }),
      'SIGNATURE_MISMATCH',
    );
  });

  it('verify-dsse accepts cosign vector envelopes with their key, rejects them with ours', async () => {
    const d = `${VECTORS}cosign-keys/dsse/`;
    const ok = await chains(['verify-dsse', '--key', `${d}cosign.pub`, `${d}multiple-subjects.dsse.json`], {
      cwd: dir,
    });
    expect(ok.code).toBe(0);
    expectError(
      await chains(['verify-dsse', '--key', 'cosign.pub', `${d}multiple-subjects.dsse.json`], { cwd: dir }),
      'SIGNATURE_MISMATCH',
    );
  });

  it('sign-blob works with a plain PKCS#8 key (Chains x509.pem) without a password', async () => {
    const key = `${VECTORS}chains/pkg/chains/signing/x509/testdata/x509.pem`;
    const s = await chains(['sign-blob', '--key', key, '--tlog-upload=false', 'blob.txt'], { cwd: dir });
    expect(s.code).toBe(0);
  });
});
