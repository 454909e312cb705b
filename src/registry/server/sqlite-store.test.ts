import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { RegistryError } from '../errors.ts';
import { SqliteStore } from './sqlite-store.ts';
import { SMALL_VALUE_BYTES } from './store.ts';

const open: SqliteStore[] = [];
const fresh = (): string => mkdtempSync(join(tmpdir(), 'chains-kv-'));
async function store(dir: string): Promise<SqliteStore> {
  const s = await SqliteStore.open(dir);
  open.push(s);
  return s;
}
afterEach(() => {
  for (const s of open.splice(0)) {
    try {
      s.close();
    } catch {
      // closed by the test
    }
  }
});

const HEX = 'ab'.repeat(32);
const text = async (s: SqliteStore, k: string): Promise<string | undefined> => (await s.get(k))?.toString();

/** A record of the earlier append-log layout: crc32, value length (or 0xffffffff), key length, flags. */
function oldRecord(key: string, value: string | undefined, more = false): Buffer {
  const v = value === undefined ? Buffer.alloc(0) : Buffer.from(value);
  const h = Buffer.alloc(12);
  h.writeUInt32LE(value === undefined ? 0xffffffff : v.length, 4);
  h.writeUInt16LE(key.length, 8);
  h.writeUInt16LE(more ? 1 : 0, 10);
  const rec = Buffer.concat([h, Buffer.from(key, 'latin1'), v]);
  rec.writeUInt32LE(crc32(rec.subarray(4)), 0);
  return rec;
}

describe('SqliteStore (the --dir store of the embedded registry)', () => {
  it('round-trips, overwrites, deletes and lists, and the same after reopening', async () => {
    const dir = fresh();
    let s = await store(dir);
    await s.putAll([
      ['repos/a/b/_tags/v1', Buffer.from('one')],
      ['repos/a/b/_tags/v1.0', Buffer.from('one point oh')],
      ['repos/a/b/_tags/v2', Buffer.from('two')],
      ['repos/a/_tags/x', Buffer.from('x')],
      ['repos/a-b/_tags/y', Buffer.from('y')],
      [`repos/c/_blobs/${HEX}`, Buffer.alloc(0)],
    ]);
    await s.put('repos/a/b/_tags/v1', Buffer.from('uno'));
    expect(await s.delete('repos/a/b/_tags/v2')).toBe(true);
    expect(await s.delete('repos/a/b/_tags/v2')).toBe(false);
    for (const round of [1, 2]) {
      if (round === 2) {
        s.close();
        s = await store(dir);
      }
      expect(await text(s, 'repos/a/b/_tags/v1')).toBe('uno');
      expect(await s.has('repos/a/b/_tags/v2')).toBe(false);
      expect(await s.list('repos/a/b/_tags')).toEqual(['v1', 'v1.0']);
      expect(await s.list('repos')).toEqual(['a', 'a-b', 'c']);
      expect(await s.list('repos/a')).toEqual(['_tags', 'b']);
      expect(await s.list('')).toEqual(['repos']);
      expect((await s.get(`repos/c/_blobs/${HEX}`))?.length).toBe(0);
    }
  });

  it('keeps big blobs as content-addressed files and small values as rows', async () => {
    const dir = fresh();
    const s = await store(dir);
    const big = Buffer.alloc(SMALL_VALUE_BYTES + 1, 7);
    await s.putAll([
      [`blobs/sha256/${HEX}`, big],
      [`blobs/sha256/${'cd'.repeat(32)}`, Buffer.from('small')],
    ]);
    expect(readdirSync(join(dir, 'blobs', 'sha256'))).toEqual([HEX]);
    expect((await s.get(`blobs/sha256/${HEX}`))?.equals(big)).toBe(true);
    expect(await s.list('blobs/sha256')).toEqual([HEX, 'cd'.repeat(32)]);
    expect(await s.delete(`blobs/sha256/${HEX}`)).toBe(true);
    expect(readdirSync(join(dir, 'blobs', 'sha256'))).toEqual([]);
    expect(await s.has(`blobs/sha256/${HEX}`)).toBe(false);
  });

  it('commits writes that arrive together in one group, each acknowledged', async () => {
    const s = await store(fresh());
    const writes = Array.from({ length: 200 }, (_, i) =>
      s.put(`repos/g/_tags/t${i}`, Buffer.from(String(i))),
    );
    await Promise.all(writes);
    expect((await s.list('repos/g/_tags')).length).toBe(200);
  });

  it('two processes may share a directory: each sees the other one’s writes', async () => {
    const dir = fresh();
    const a = await store(dir);
    const b = await store(dir);
    await a.put('repos/x/_tags/a', Buffer.from('from a'));
    expect(await text(b, 'repos/x/_tags/a')).toBe('from a');
  });

  it('migrates an append-log directory in place: committed batches and deletions kept, a torn tail dropped', async () => {
    const dir = fresh();
    const log = join(dir, 'small.log');
    writeFileSync(log, oldRecord('repos/m/_tags/v1', 'one'));
    appendFileSync(
      log,
      Buffer.concat([oldRecord('repos/m/_tags/v2', 'two', true), oldRecord('repos/m/_x/y', 'z')]),
    );
    appendFileSync(log, oldRecord('repos/m/_tags/v1', undefined));
    appendFileSync(log, oldRecord('repos/m/_tags/v3', 'three', true)); // a batch whose end never came
    appendFileSync(log, oldRecord('repos/m/_tags/v4', 'four').subarray(0, 9)); // torn
    mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
    writeFileSync(join(dir, 'blobs', 'sha256', HEX), 'a big blob file');
    const s = await store(dir);
    expect(await s.list('repos/m/_tags')).toEqual(['v2']);
    expect(await text(s, 'repos/m/_x/y')).toBe('z');
    expect(await text(s, `blobs/sha256/${HEX}`)).toBe('a big blob file');
    expect(existsSync(log)).toBe(false);
  });

  it('migrates a file-per-key directory in place', async () => {
    const dir = fresh();
    mkdirSync(join(dir, 'repos', 'n', '_tags'), { recursive: true });
    writeFileSync(join(dir, 'repos', 'n', '_tags', 'latest'), 'abc');
    writeFileSync(join(dir, 'repos', 'n', '_tags', 'latest.tmp-1-2'), 'half');
    const s = await store(dir);
    expect(await s.list('repos/n/_tags')).toEqual(['latest']);
    expect(existsSync(join(dir, 'repos'))).toBe(false);
  });

  it('refuses to migrate data it cannot read, and leaves it untouched', async () => {
    const dir = fresh();
    const log = join(dir, 'small.log');
    writeFileSync(log, oldRecord('../escape', 'x'));
    const err = await SqliteStore.open(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect((err as RegistryError).code).toBe('STORE_MIGRATION');
    expect((err as RegistryError).message).toMatch(/invalid storage key/);
    expect(readdirSync(dir)).toEqual(['small.log']);
  });
});
