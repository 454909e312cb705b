import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ArtifactList, appendArtifacts } from './append.ts';
import type { Artifact } from './append.ts';

/** The indexed merge must behave exactly like Chains' linear addArtifact loop (internal/artifact/append.go). */
function reference(original: readonly Artifact[], items: readonly Artifact[]): Artifact[] {
  const out = original.map((a) => ({ name: a.name, digest: { ...a.digest } }));
  for (const item of items) {
    const hit = out.find(
      (a) => a.name === item.name && Object.entries(a.digest).some(([alg, hex]) => item.digest[alg] === hex),
    );
    if (hit) Object.assign(hit.digest, item.digest);
    else out.push({ name: item.name, digest: { ...item.digest } });
  }
  return out;
}

const artifact = fc.record({
  name: fc.constantFrom('a', 'b', 'c'),
  digest: fc.dictionary(fc.constantFrom('sha1', 'sha256', 'sha512'), fc.constantFrom('1', '2', '3'), {
    minKeys: 0,
    maxKeys: 3,
  }),
});

describe('ArtifactList', () => {
  it('matches the reference merge on random inputs', () => {
    fc.assert(
      fc.property(
        fc.array(artifact, { maxLength: 6 }),
        fc.array(artifact, { maxLength: 30 }),
        (original, items) => {
          expect(appendArtifacts(original, ...items)).toEqual(reference(original, items));
          const incremental = ArtifactList.from(original);
          for (const i of items) incremental.add(i);
          expect(incremental.toArray()).toEqual(reference(original, items));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('merges into the first matching artifact and unions digests', () => {
    const got = appendArtifacts(
      [],
      { name: 'x', digest: { sha256: '1' } },
      { name: 'x', digest: { sha512: '9' } },
      { name: 'x', digest: { sha512: '9', sha256: '1', sha1: '5' } },
    );
    expect(got).toEqual([
      { name: 'x', digest: { sha256: '1', sha512: '9', sha1: '5' } },
      { name: 'x', digest: { sha512: '9' } },
    ]);
  });
});
