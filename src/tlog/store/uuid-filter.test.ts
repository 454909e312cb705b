import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { UuidFilter } from './uuid-filter.ts';

describe('UuidFilter', () => {
  const uuid = (i: number): Buffer => createHash('sha256').update(`u${i}`).digest();
  it('never forgets an added UUID, rarely claims others, and asks for a rebuild when full', () => {
    const f = new UuidFilter(1000, 16);
    for (let i = 0; i < 20_000; i++) f.add(uuid(i));
    for (let i = 0; i < 20_000; i++) expect(f.mayHave(uuid(i))).toBe(true);
    let false_ = 0;
    for (let i = 20_000; i < 40_000; i++) if (f.mayHave(uuid(i))) false_++;
    expect(false_).toBeLessThan(20); // 2^23 bits for 20 000 UUIDs: ≈ 1e-6 each
    expect(f.full).toBe(false);
    const small = new UuidFilter(0, 16);
    for (let i = 0; i <= 2 ** 23 / 16; i++) small.add(uuid(i));
    expect(small.full).toBe(true);
  });
});
