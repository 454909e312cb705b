import {
  appendFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AppendStore } from '../../src/registry/server/append-store.ts';
import { FileStore, SMALL_VALUE_BYTES } from '../../src/registry/server/store.ts';

const dirs: string[] = [];
const open: AppendStore[] = [];
function fresh(): string {
  const d = mkdtempSync(join(tmpdir(), 'chains-append-'));
  dirs.push(d);
  return d;
}
function store(dir: string): AppendStore {
  const s = new AppendStore(dir);
  open.push(s);
  return s;
}
function reopen(s: AppendStore, dir: string): AppendStore {
  s.close();
  return store(dir);
}
afterEach(() => {
  for (const s of open.splice(0)) {
    try {
      s.close();
    } catch {
      // already closed by the test
    }
  }
});

const HEX = 'ab'.repeat(32);
const text = async (s: AppendStore, k: string): Promise<string | undefined> => (await s.get(k))?.toString();

describe('AppendStore (the --dir store of the embedded registry)', () => {
  it('round-trips, overwrites, deletes and lists, and the same after reopening', async () => {
    const dir = fresh();
    let s = store(dir);
    await s.putAll([
      ['repos/a/b/_tags/v1', Buffer.from('one')],
      ['repos/a/b/_tags/v2', Buffer.from('two')],
      ['repos/a/_tags/x', Buffer.from('x')],
      [`repos/c/_blobs/${HEX}`, Buffer.alloc(0)],
    ]);
    await s.put('repos/a/b/_tags/v1', Buffer.from('uno'));
    expect(await s.delete('repos/a/b/_tags/v2')).toBe(true);
    expect(await s.delete('repos/a/b/_tags/v2')).toBe(false);
    for (const t of [s, (s = reopen(s, dir))]) {
      expect(await text(t, 'repos/a/b/_tags/v1')).toBe('uno');
      expect(await t.get('repos/a/b/_tags/v2')).toBeUndefined();
      expect(await t.has(`repos/c/_blobs/${HEX}`)).toBe(true);
      expect((await t.get(`repos/c/_blobs/${HEX}`))?.length).toBe(0);
      expect(await t.list('repos')).toEqual(['a', 'c']);
      expect(await t.list('repos/a')).toEqual(['_tags', 'b']);
      expect(await t.list('repos/a/b/_tags')).toEqual(['v1']);
      expect(await t.list('repos/zz')).toEqual([]);
      expect(await t.list('repos/c/_blobs')).toEqual([HEX]); // digest names are kept packed, listed in hex
    }
  });

  it('keeps values over the small limit as files, the rest in one log file', async () => {
    const dir = fresh();
    const s = store(dir);
    const big = Buffer.alloc(SMALL_VALUE_BYTES + 1, 7);
    await s.putAll([
      ['blobs/sha256/aa', big],
      ['repos/r/_blobs/aa', Buffer.alloc(0)],
    ]);
    expect(statSync(join(dir, 'blobs', 'sha256', 'aa')).size).toBe(big.length);
    expect((await s.get('blobs/sha256/aa'))?.equals(big)).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(['blobs', 'small.log', 'small.log.lock']);
    const again = reopen(s, dir);
    expect(await again.has('blobs/sha256/aa')).toBe(true);
    expect(await again.list('blobs/sha256')).toEqual(['aa']);
    expect(await again.delete('blobs/sha256/aa')).toBe(true);
    expect(await again.has('blobs/sha256/aa')).toBe(false);
  });

  it('serves a blob file put at the blob path over the log copy (the file layout is authoritative)', async () => {
    const dir = fresh();
    const s = store(dir);
    await s.put('blobs/sha256/dd', Buffer.from('from the log'));
    expect(await text(s, 'blobs/sha256/dd')).toBe('from the log');
    writeFileSync(join(dir, 'blobs', 'sha256', 'dd'), 'replaced on disk');
    expect(await text(s, 'blobs/sha256/dd')).toBe('replaced on disk');
  });

  it('drops a torn tail on reopen: a half-written batch is all gone, earlier batches stay', async () => {
    const dir = fresh();
    let s = store(dir);
    await s.putAll([['repos/r/_tags/ok', Buffer.from('kept')]]);
    const good = statSync(join(dir, 'small.log')).size;
    await s.putAll([
      ['blobs/sha256/bb', Buffer.from('manifest')],
      ['repos/r/_tags/torn', Buffer.from('bb')],
    ]);
    const full = statSync(join(dir, 'small.log')).size;
    s.close();
    // a crash after the first record of the batch, and a crash in the middle of a record
    for (const cut of [full - 1, good + 12 + 'blobs/sha256/bb'.length + 'manifest'.length, good + 5]) {
      truncateSync(join(dir, 'small.log'), cut);
      s = store(dir);
      expect(await text(s, 'repos/r/_tags/ok')).toBe('kept');
      expect(await s.has('blobs/sha256/bb')).toBe(false);
      expect(await s.has('repos/r/_tags/torn')).toBe(false);
      expect(statSync(join(dir, 'small.log')).size).toBe(good);
      s.close();
    }
    appendFileSync(join(dir, 'small.log'), Buffer.alloc(40, 0xab)); // garbage: fails its checksum
    s = store(dir);
    expect(await s.list('repos/r/_tags')).toEqual(['ok']);
    await s.put('repos/r/_tags/after', Buffer.from('x'));
    s = reopen(s, dir);
    expect(await s.list('repos/r/_tags')).toEqual(['after', 'ok']);
  });

  it('reads a directory written by the file-per-key FileStore, and writes new keys to the log', async () => {
    const dir = fresh();
    const old = new FileStore(dir);
    await old.put('repos/o/_tags/v1', Buffer.from('old'));
    await old.put('blobs/sha256/cc', Buffer.from('old blob'));
    const s = store(dir);
    expect(await text(s, 'repos/o/_tags/v1')).toBe('old');
    expect(await text(s, 'blobs/sha256/cc')).toBe('old blob');
    await s.put('repos/o/_tags/v2', Buffer.from('new'));
    expect(await s.list('repos/o/_tags')).toEqual(['v1', 'v2']);
    expect(await s.delete('repos/o/_tags/v1')).toBe(true);
    expect(existsSync(join(dir, 'repos', 'o', '_tags', 'v1'))).toBe(false);
    expect(await s.list('repos/o/_tags')).toEqual(['v2']);
  });

  it('refuses a second store on the same directory while the first is open, not after it closed', () => {
    const dir = fresh();
    const s = store(dir);
    expect(() => new AppendStore(dir)).toThrow(/in use by process/);
    s.close();
    store(dir);
  });

  it.each([
    ['a process that is gone', '2147483646'],
    ['this pid, from an earlier incarnation (a restarted container)', String(process.pid)],
    ['garbage', 'not a pid'],
  ])('takes over a lock left by %s', async (_, holder) => {
    const dir = fresh();
    writeFileSync(join(dir, 'small.log.lock'), holder);
    const s = store(dir);
    await s.put('repos/r/_tags/t', Buffer.from('x'));
    expect(readFileSync(join(dir, 'small.log.lock'), 'utf8')).toBe(String(process.pid));
    s.close();
    expect(existsSync(join(dir, 'small.log.lock'))).toBe(false);
  });

  it('refuses a lock held by another live process', () => {
    const dir = fresh();
    writeFileSync(join(dir, 'small.log.lock'), String(process.ppid));
    expect(() => new AppendStore(dir)).toThrow(new RegExp(`in use by process ${process.ppid}`));
  });

  it('refuses keys that leave its root', async () => {
    const s = store(fresh());
    await expect(s.put('../outside/x', Buffer.from('x'))).rejects.toThrow(/invalid storage key/);
    await expect(s.putAll([['a//b', Buffer.from('x')]])).rejects.toThrow(/invalid storage key/);
  });
});
