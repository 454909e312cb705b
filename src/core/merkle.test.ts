import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VECTORS } from '../../test/setup/env.ts';
import { hashLeaf, MerkleError, rootFromLeafHashes, verifyConsistency, verifyInclusion } from './merkle.ts';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

/** Parse with big integers kept exact (leafIdx 2^64−1 must not round). */
function parseProbe(path: string): Record<string, unknown> {
  const text = readFileSync(path, 'utf8').replace(/("(?:leafIdx|treeSize|size1|size2)":\s*)(\d+)/g, '$1"$2"');
  return JSON.parse(text) as Record<string, unknown>;
}
const b64 = (v: unknown): Buffer => Buffer.from((v as string | null) ?? '', 'base64');
const proofOf = (v: unknown): Buffer[] => ((v as string[] | null) ?? []).map((p) => Buffer.from(p, 'base64'));

const inclusion = files(join(VECTORS, 'merkle/inclusion')).map(
  (f) => [f.split('merkle/')[1], parseProbe(f)] as const,
);
const consistency = files(join(VECTORS, 'merkle/consistency')).map(
  (f) => [f.split('merkle/')[1], parseProbe(f)] as const,
);

describe('merkle probes (transparency-dev/merkle testdata)', () => {
  it('has every probe', () => {
    expect(inclusion).toHaveLength(98);
    expect(consistency).toHaveLength(98);
    expect(inclusion.some(([, p]) => p.leafIdx === '18446744073709551615')).toBe(true);
  });
  it.each(inclusion)('inclusion %s', (_name, p) => {
    const run = (): void =>
      verifyInclusion(
        BigInt(p.leafIdx as string),
        BigInt(p.treeSize as string),
        b64(p.leafHash),
        proofOf(p.proof),
        b64(p.root),
      );
    if (p.wantErr) expect(run).toThrow(MerkleError);
    else expect(run).not.toThrow();
  });
  it.each(consistency)('consistency %s', (_name, p) => {
    const run = (): void =>
      verifyConsistency(
        BigInt(p.size1 as string),
        BigInt(p.size2 as string),
        proofOf(p.proof),
        b64(p.root1),
        b64(p.root2),
      );
    if (p.wantErr) expect(run).toThrow(MerkleError);
    else expect(run).not.toThrow();
  });
});

describe('RFC 6962 reference tree', () => {
  const data = [
    '',
    '00',
    '10',
    '2021',
    '3031',
    '40414243',
    '5051525354555657',
    '606162636465666768696a6b6c6d6e6f',
  ];
  const leaves = data.map((h) => hashLeaf(Buffer.from(h, 'hex')));
  it('computes the published root of 8 leaves', () => {
    expect(rootFromLeafHashes(leaves).toString('hex')).toBe(
      '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
    );
    expect(rootFromLeafHashes([]).toString('hex')).toMatch(/^e3b0c442/);
  });
});
