import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPrivateKey } from '../../src/keys/index.ts';
import { chainsTty } from './helpers.ts';

const P1 = 'Enter password for private key: ';
const P2 = 'Enter password for private key again: ';

describe(
  'password and overwrite prompts on a terminal (cosign behaviour, https://github.com/sigstore/cosign/blob/main/pkg/cosign/keys.go)',
  { timeout: 180_000 },
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'keys-tty-'));

    it('asks twice without echo and encrypts with the typed password', async () => {
      const r = await chainsTty(['generate-key-pair'], dir, [
        [P1, 'tty-secret'],
        [P2, 'tty-secret'],
      ]);
      expect(r.out).toContain('Private key written to cosign.key');
      expect(r.code).toBe(0);
      expect(r.out).not.toContain('tty-secret');
      await expect(
        loadPrivateKey(readFileSync(join(dir, 'cosign.key')), 'tty-secret'),
      ).resolves.toBeDefined();
    });

    it('different passwords: "passwords do not match", exit 1, nothing written', async () => {
      const r = await chainsTty(['generate-key-pair', '--output-key-prefix', 'mismatch'], dir, [
        [P1, 'one'],
        [P2, 'two'],
      ]);
      expect(r.code).toBe(1);
      expect(r.out).toMatch(/Error: passwords do not match \[CLI_PASSWORD_MISMATCH\]/);
      expect(existsSync(join(dir, 'mismatch.key'))).toBe(false);
    });

    it('asks before overwriting: "n" keeps the key, "y" replaces it', async () => {
      const before = readFileSync(join(dir, 'cosign.key'), 'utf8');
      const no = await chainsTty(['generate-key-pair'], dir, [['[y/N] ', 'n']]);
      expect(no.out).toContain('WARNING: File cosign.key already exists. Overwrite?');
      expect(no.code).toBe(1);
      expect(readFileSync(join(dir, 'cosign.key'), 'utf8')).toBe(before);
      const yes = await chainsTty(['generate-key-pair'], dir, [
        ['[y/N] ', 'y'],
        [P1, 'new'],
        [P2, 'new'],
      ]);
      expect(yes.code).toBe(0);
      await expect(loadPrivateKey(readFileSync(join(dir, 'cosign.key')), 'new')).resolves.toBeDefined();
    });

    it('sign-blob asks once for the key password', async () => {
      const f = join(dir, 'cosign.key');
      const r = await chainsTty(
        ['sign-blob', '--key', f, '--tlog-upload=false', join(dir, 'cosign.pub')],
        dir,
        [[P1, 'new']],
      );
      expect(r.code).toBe(0);
      expect(r.out).not.toContain(P2);
      expect(r.out).toMatch(/^[A-Za-z0-9+/]+={0,2}\r?$/m);
    });
  },
);
