import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalize } from '../../../core/json.ts';
import { canonicalJson } from './index.ts';
import { UuidFilter } from '../../store/uuid-filter.ts';
import { createHash } from 'node:crypto';

describe('canonicalJson (the stringify shortcut of JCS)', () => {
  it('equals RFC 8785 canonicalisation for any JSON value, sorted or not', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(canonicalJson(v)).toBe(canonicalize(v));
      }),
      { numRuns: 2000 },
    );
  });

  it('sorts keys the stringify shortcut would leave in insertion order', () => {
    const v = { spec: { b: 1, a: [{ y: 'é', x: null }] }, apiVersion: '0.0.1', kind: 'k' };
    expect(canonicalJson(v)).toBe(
      '{"apiVersion":"0.0.1","kind":"k","spec":{"a":[{"x":null,"y":"é"}],"b":1}}',
    );
    expect(canonicalJson({ a: 1, b: undefined })).toBe('{"a":1}');
  });
});

describe('UuidFilter', () => {
  const uuid = (i: number): Buffer => createHash('sha256').update(`u${i}`).digest();
  it('never forgets an added UUID, rarely claims others, and asks for a rebuild when full', () => {
    const f = new UuidFilter(1000);
    for (let i = 0; i < 20_000; i++) f.add(uuid(i));
    for (let i = 0; i < 20_000; i++) expect(f.mayHave(uuid(i))).toBe(true);
    let false_ = 0;
    for (let i = 20_000; i < 40_000; i++) if (f.mayHave(uuid(i))) false_++;
    expect(false_).toBeLessThan(20); // 2^23 bits for 20 000 UUIDs: ≈ 1e-6 each
    expect(f.full).toBe(false);
    const small = new UuidFilter(0);
    for (let i = 0; i <= 2 ** 23 / 16; i++) small.add(uuid(i));
    expect(small.full).toBe(true);
  });
});
