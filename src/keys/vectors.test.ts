import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { VECTORS } from '../../test/setup/env.ts';
import {
  decryptEnvelope,
  importKeyPair,
  keyFingerprint,
  loadPrivateKey,
  loadPublicKey,
  signData,
  verifySignature,
} from './index.ts';

const DIR = `${VECTORS}cosign-keys/`;
const read = (p: string): string => readFileSync(`${DIR}${p}`, 'utf8');

interface Manifest {
  encrypted: { file: string; password: string; expect: string; derivedPublicKeyPem: string }[];
  plaintext: { file: string; expect: string; upstreamError: string | null; derivedPublicKeyPem?: string }[];
  securesystemslib: { file: string; password: string; expect: string; rawPlaintext?: string }[];
}
const manifest = JSON.parse(read('manifest.json')) as Manifest;

/** Expected error code for each rejected plaintext import (upstream message in the manifest). */
const IMPORT_REJECT: Record<string, { code: string; message: RegExp }> = {
  'plaintext/rsa2048-spki-public-key.pem': { code: 'UNSUPPORTED_KEY', message: /unsupported private key/ },
  'plaintext/rsa1024-pkcs1-too-small.pem': { code: 'WEAK_KEY', message: /key size not supported: 1024/ },
  'plaintext/rsa5120-pkcs1-too-large.pem': { code: 'WEAK_KEY', message: /key size not supported: 5120/ },
  'plaintext/ec-p224-sec1.pem': { code: 'WEAK_KEY', message: /ECDSA curve P-224 not allowed/ },
  'plaintext/ec-secp256k1-sec1.pem': { code: 'UNSUPPORTED_KEY', message: /error parsing ecdsa private key/ },
  'plaintext/pgp-private-key-block.asc': { code: 'INVALID_PRIVATE_KEY', message: /invalid pem block/ },
};

describe('cosign encrypted key vectors (https://github.com/sigstore/cosign/blob/main/pkg/cosign/keys.go)', () => {
  for (const v of manifest.encrypted) {
    it(`${v.file}: ${v.expect.split(' ')[0]}`, async () => {
      const load = loadPrivateKey(read(v.file), v.password);
      if (v.expect.startsWith('REJECT')) {
        await expect(load).rejects.toMatchObject({ code: 'NOT_PKCS8', message: /PKCS#8/ });
        return;
      }
      const key = await load;
      expect(key.publicKey.pem).toBe(v.derivedPublicKeyPem);
      const sig = signData(key.key, key.algorithm, Buffer.from('payload'));
      expect(verifySignature(loadPublicKey(v.derivedPublicKeyPem), Buffer.from('payload'), sig)).toBe(true);
    });
  }

  it('wrong password is WRONG_PASSWORD, naming the password', async () => {
    await expect(loadPrivateKey(read('encrypted/pemsigstorekey.key'), 'hellO')).rejects.toMatchObject({
      code: 'WRONG_PASSWORD',
      message: /password is wrong/,
    });
  });

  it('Chains e2e key test/testdata/cosign.key (password p) matches cosign.pub', async () => {
    const base = `${VECTORS}chains/test/testdata/`;
    const password = readFileSync(`${base}cosign.password`);
    expect(password).toEqual(Buffer.from('p'));
    const key = await loadPrivateKey(readFileSync(`${base}cosign.key`, 'utf8'), password);
    expect(key.publicKey.pem).toBe(loadPublicKey(readFileSync(`${base}cosign.pub`, 'utf8')).pem);
  });

  it('Chains x509.pem loads as plain PKCS#8 (password ignored)', async () => {
    const pem = readFileSync(`${VECTORS}chains/pkg/chains/signing/x509/testdata/x509.pem`, 'utf8');
    const key = await loadPrivateKey(pem, '');
    expect(key.algorithm).toBe('ecdsa-p256');
  });
});

describe('securesystemslib envelope vectors', () => {
  for (const v of manifest.securesystemslib) {
    it(`${v.file}: ${v.expect}`, async () => {
      const run = decryptEnvelope(read(v.file), v.password);
      if (v.expect.startsWith('REJECT')) {
        await expect(run).rejects.toMatchObject({
          code: 'UNSUPPORTED_KDF_PARAMS',
          message: /unsupported scrypt parameters/,
        });
        return;
      }
      expect((await run).toString('utf8')).toBe(v.rawPlaintext);
    });
  }

  it('wrong password on an envelope is WRONG_PASSWORD', async () => {
    await expect(
      decryptEnvelope(read('securesystemslib/kdf-legacy.json'), 'supersecreT'),
    ).rejects.toMatchObject({
      code: 'WRONG_PASSWORD',
    });
  });
});

describe('plaintext import vectors (cosign TestImportPrivateKey)', () => {
  for (const v of manifest.plaintext) {
    it(`${v.file}: ${v.expect.split(' ')[0]}`, async () => {
      const run = importKeyPair(read(v.file), 'hello');
      const reject = IMPORT_REJECT[v.file];
      if (v.expect.startsWith('REJECT')) {
        expect(reject, 'table covers every rejected vector').toBeDefined();
        await expect(run).rejects.toMatchObject(reject ?? {});
        return;
      }
      const pair = await run;
      if (v.derivedPublicKeyPem) expect(pair.publicKeyPem).toBe(v.derivedPublicKeyPem);
      expect(pair.privateKeyPem).toMatch(/^-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n/);
      const again = await loadPrivateKey(pair.privateKeyPem, 'hello');
      expect(again.publicKey.pem).toBe(pair.publicKeyPem);
    });
  }
});

describe('DSSE keyid = ssh-keygen -l fingerprint', () => {
  // Expected values computed with `ssh-keygen -i -m PKCS8` + `ssh-keygen -lf` (OpenSSH 9).
  const table: [string, string][] = [
    ['plaintext/ec-p256-pkcs8.pem', 'SHA256:Y3qtmaYmtUbs0SMNDTAwEQPdygfSS0tLEEuRGfXuylc'],
    ['plaintext/ec-p384-sec1.pem', 'SHA256:flVG0X8m+CVceChsc3YG3zlXEA46UFuond0EWu2IQ6I'],
    ['plaintext/ec-p521-sec1.pem', 'SHA256:suFrst5lUJK9i102tGusI6zz6fAWox4ma77QkdJJMj8'],
    ['plaintext/rsa2048-pkcs1.pem', 'SHA256:wnndInheaPVX84wOKXwdJYIpCAvvLOyXovxlmMUpykM'],
  ];
  for (const [file, want] of table) {
    it(file, async () => {
      const pair = await importKeyPair(read(file), '');
      expect(keyFingerprint(pair.material.publicKey)).toBe(want);
    });
  }
});
