import { describe, expect, it } from 'vitest';
import { IndexTail, keyHash, packKeys, rowKey } from './index-tail.ts';

/** A 32-byte UUID whose first 6 bytes (its row key) are `prefix` and whose last byte is `tail`. */
const uuid = (prefix: number, tail: number): Buffer => {
  const b = Buffer.alloc(32, 0xab);
  b.writeIntBE(prefix, 0, 6);
  b[31] = tail;
  return b;
};

describe('IndexTail (row-keyed memory index of the newest entries)', () => {
  it('keeps every UUID that shares a row key as a candidate, in index order', () => {
    const t = new IndexTail();
    t.add({ idx: 7, uuid: uuid(42, 1), keys: Buffer.alloc(0) });
    t.add({ idx: 8, uuid: uuid(42, 2), keys: Buffer.alloc(0) });
    t.add({ idx: 9, uuid: uuid(43, 3), keys: Buffer.alloc(0) });
    t.add({ idx: 10, uuid: uuid(42, 4), keys: Buffer.alloc(0) });
    expect(rowKey(uuid(42, 1))).toBe(rowKey(uuid(42, 9)));
    expect(t.uuidCandidates(uuid(42, 9))).toEqual([7, 8, 10]);
    expect(t.uuidCandidates(uuid(43, 0))).toEqual([9]);
    expect(t.uuidCandidates(uuid(44, 0))).toEqual([]);
    t.clear();
    expect(t.uuidCandidates(uuid(42, 1))).toEqual([]);
    expect(t.size).toBe(0);
  });

  it('finds entries by search key and writes sorted index rows for UUIDs and keys', () => {
    const t = new IndexTail();
    const a = packKeys(['sha256:aa', 'sha256:bb']);
    t.add({ idx: 0, uuid: uuid(5, 0), keys: a });
    t.add({ idx: 1, uuid: uuid(3, 0), keys: packKeys(['sha256:bb']) });
    expect(t.search(keyHash('sha256:bb'))).toEqual([0, 1]);
    expect(t.search(keyHash('sha256:aa'))).toEqual([0]);
    expect(t.search(keyHash('sha256:cc'))).toEqual([]);
    const rows = t.rows([{ idx: 2, uuid: uuid(4, 0), keys: Buffer.alloc(0) }]);
    expect(rows).toHaveLength(6);
    expect(rows.map((r) => r[0])).toEqual([...rows.map((r) => r[0])].sort((x, y) => x - y));
    expect(rows).toContainEqual([rowKey(uuid(4, 0)), 2]);
    expect(rows).toContainEqual([keyHash('sha256:aa').readIntBE(0, 6), 0]);
  });
});
