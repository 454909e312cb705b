import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { VECTORS } from '../../test/setup/env.ts';
import { CheckpointError, keyHint, parseCheckpoint, signCheckpoint, verifyCheckpoint } from './checkpoint.ts';

interface Case {
  desc: string;
  envelope: string;
  logBaseUrl: string;
  logPublicKey: string;
  wantErr: boolean;
  want?: { origin: string; logSize: string; rootHash: string };
}
const cases = JSON.parse(readFileSync(`${VECTORS}rekor/sigstore-js/checkpoint-cases.json`, 'utf8')) as Case[];

describe('checkpoint cases (sigstore-js)', () => {
  it('has all 11 cases', () => expect(cases).toHaveLength(11));
  it.each(cases.map((c) => [c.desc, c] as const))('%s', (_d, c) => {
    const key = createPublicKey({ key: Buffer.from(c.logPublicKey, 'base64'), format: 'der', type: 'spki' });
    const run = () => verifyCheckpoint(c.envelope, key, { baseUrl: c.logBaseUrl });
    if (c.wantErr) {
      expect(run).toThrow(CheckpointError);
      return;
    }
    const cp = run();
    expect(cp.origin).toBe(c.want?.origin);
    expect(String(cp.size)).toBe(c.want?.logSize);
    expect(cp.rootHash.toString('base64')).toBe(c.want?.rootHash);
  });
});

describe('signCheckpoint', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const cp = { origin: 'log.example - 42', size: 7, rootHash: Buffer.alloc(32, 9), extensions: [] };
  it('round-trips in Rekor v1 byte layout', () => {
    const note = signCheckpoint(cp, 'log.example', privateKey, publicKey);
    expect(
      note.startsWith(
        `log.example - 42\n7\n${Buffer.alloc(32, 9).toString('base64')}\n\n\u2014 log.example `,
      ),
    ).toBe(true);
    const parsed = verifyCheckpoint(note, publicKey, { strict: true });
    expect(parsed.size).toBe(7);
    expect(parsed.signatures[0]?.keyHint.equals(keyHint(publicKey))).toBe(true);
  });
  it('rejects a changed size and another key', () => {
    const note = signCheckpoint(cp, 'log.example', privateKey, publicKey);
    expect(() => verifyCheckpoint(note.replace('\n7\n', '\n8\n'), publicKey)).toThrow(
      /no valid checkpoint signature/,
    );
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
    expect(() => verifyCheckpoint(note, other)).toThrow(CheckpointError);
    expect(() => parseCheckpoint('a\n1\nxx\n\n\u2014 a AAAAAAA=\n')).toThrow(/root hash/);
  });
});
