import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startLogServer } from '../../../src/tlog/server/index.ts';

const hex = (s: string) => Buffer.from(s, 'hex');
/** RFC 8032 §7.3, test 1 (Ed25519ph, message "abc"). */
const RFC = {
  publicKey: hex('ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf'),
  digest: createHash('sha512').update('abc').digest(),
  sig: hex(
    '98a70222f0b8121aa9d30f813d683f809e462b469c7ff87639499bb94e6dae41' +
      '31f85042463c2a355a2003d062adf5aaa10b8c61e636062aaad11c2a26083406',
  ),
};

describe('hashedrekord with an Ed25519 key, through the log over HTTP', () => {
  const pem = (raw: Buffer) =>
    `-----BEGIN PUBLIC KEY-----\n${Buffer.concat([hex('302a300506032b6570032100'), raw]).toString('base64')}\n-----END PUBLIC KEY-----\n`;
  const proposal = (sig: Buffer, algorithm: string, digest: Buffer) => ({
    apiVersion: '0.0.1',
    kind: 'hashedrekord',
    spec: {
      data: { hash: { algorithm, value: digest.toString('hex') } },
      signature: {
        content: sig.toString('base64'),
        publicKey: { content: Buffer.from(pem(RFC.publicKey)).toString('base64') },
      },
    },
  });

  it('accepts the Ed25519ph signature (201), refuses a tampered one or a sha256 digest (400), writes nothing then', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tlog-ed25519ph-'));
    const s = await startLogServer({ dbPath: join(dir, 'log.db'), addr: '127.0.0.1:0' });
    try {
      const post = (body: object) =>
        fetch(`${s.url}/api/v1/log/entries`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(body),
        });
      const bad = Buffer.from(RFC.sig);
      bad[5] = (bad[5] ?? 0) ^ 1;
      expect((await post(proposal(bad, 'sha512', RFC.digest))).status).toBe(400);
      const sha256 = createHash('sha256').update('abc').digest();
      const wrongAlg = await post(proposal(RFC.sig, 'sha256', sha256));
      expect(wrongAlg.status).toBe(400);
      expect(await wrongAlg.text()).toMatch(/unsupported hash algorithm: \\"SHA-256\\" not in \[SHA-512\]/);
      expect(s.log.checkpoint.size).toBe(0);
      const ok = await post(proposal(RFC.sig, 'sha512', RFC.digest));
      expect(ok.status).toBe(201);
      expect(s.log.checkpoint.size).toBe(1);
    } finally {
      await s.close();
    }
  });
});
