import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.ts';
import { rootFromLeafHashes, verifyConsistency, verifyInclusion } from '../../src/core/merkle.ts';
import { SqliteLogStore } from '../../src/tlog/store/sqlite.ts';
import {
  TransparencyLog,
  prepareProposed,
  loadOrCreateLogKey,
  startLogServer,
} from '../../src/tlog/server/index.ts';
import { STORE_TUNING } from '../../src/tlog/server/tuning.ts';
import { TestSigner, sha, tempDir } from './helpers.ts';

const signer = new TestSigner();
const accepted = Array.from({ length: 300 }, (_, i) => prepareProposed(signer.dsse(sha(`s${i}`)).proposed));

async function openLog(db: string, indexChunk?: number, indexSlice?: number): Promise<TransparencyLog> {
  return TransparencyLog.open({
    store: new SqliteLogStore(db, {
      ...STORE_TUNING,
      indexChunk: indexChunk ?? STORE_TUNING.indexChunk,
      indexSlice: indexSlice ?? STORE_TUNING.indexSlice,
    }),
    key: loadOrCreateLogKey(`${db}.key`),
    hostname: 'test',
    clock: systemClock,
    maxBatch: 64,
  });
}

describe('log over the SQLite store', () => {
  const dir = tempDir('tlog-store-');
  const db = join(dir, 'log.db');

  it('integrates in batches; every proof comes from stored nodes and verifies', async () => {
    const log = await openLog(db);
    const added = await Promise.all(accepted.slice(0, 250).map((a) => log.add(a)));
    expect(added.every((r) => r.created)).toBe(true);
    const leaves = added.map((r) => r.entry.uuid);
    const size = log.checkpoint.size;
    expect(size).toBe(250);
    expect(log.checkpoint.rootHash).toEqual(rootFromLeafHashes(leaves));
    for (let i = 0; i < size; i += 7)
      verifyInclusion(i, size, leaves[i]!, await log.inclusionProof(i, size), log.checkpoint.rootHash);
    for (const m of [1, 2, 3, 64, 100, 128, 249])
      verifyConsistency(
        m,
        size,
        await log.consistencyProof(m, size),
        rootFromLeafHashes(leaves.slice(0, m)),
        log.checkpoint.rootHash,
      );
    expect((await log.add(accepted[3]!)).created).toBe(false);
    await log.store.close();
  });

  it('reopens with the same tree and keeps extending it from the stored frontier', async () => {
    const log = await openLog(db);
    expect(log.checkpoint.size).toBe(250);
    const more = await Promise.all(accepted.slice(250).map((a) => log.add(a)));
    const all = [
      ...(await log.store.entriesInRange(0, 250)).map((e) => e.uuid),
      ...more.map((r) => r.entry.uuid),
    ];
    expect(log.checkpoint.rootHash).toEqual(rootFromLeafHashes(all));
    await log.store.close();
  });

  it('refuses to open a store whose nodes do not match its signed checkpoint', async () => {
    const copy = new Database(db);
    // the upper nodes completed by the newest odd leaf (299) are part of the root at size 300
    copy
      .prepare(
        'UPDATE entries SET up = zeroblob(length(up)) WHERE idx = (SELECT max(idx) FROM entries WHERE up IS NOT NULL)',
      )
      .run();
    copy.close();
    await expect(openLog(db)).rejects.toThrow(/inconsistent/);
  });

  it('a broken first-schema database (no search table) is refused with a clear error, nothing written', async () => {
    const old = join(dir, 'old.db');
    const d = new Database(old);
    d.exec(`CREATE TABLE meta (k TEXT PRIMARY KEY, v BLOB) WITHOUT ROWID;
      CREATE TABLE entries (idx INTEGER PRIMARY KEY, uuid BLOB NOT NULL UNIQUE, body BLOB NOT NULL,
        itime INTEGER NOT NULL, sett BLOB NOT NULL, att BLOB);
      CREATE TABLE nodes (id INTEGER PRIMARY KEY, hash BLOB NOT NULL);`);
    d.close();
    expect(() => new SqliteLogStore(old, STORE_TUNING)).toThrow(
      expect.objectContaining({
        code: 'TLOG_STORE',
        message: expect.stringMatching(/cannot migrate .* from schema 1: no such table: search/),
      }),
    );
    const after = new Database(old);
    expect(after.prepare("SELECT name FROM sqlite_master WHERE name = 'ix'").get()).toBeUndefined();
    after.close();
  });

  it('finds entries by UUID and search key before and after their index chunk, and after a reopen', async () => {
    const path = join(dir, 'chunks.db');
    const subjects = Array.from({ length: 40 }, (_, i) => sha(`chunk${i}`));
    const props = subjects.map((s) => prepareProposed(signer.dsse(s).proposed));
    let log = await openLog(path, 16);
    const added = [];
    for (let i = 0; i < props.length; i++) {
      added.push(await log.add(props[i]!));
      if (i === 25) {
        await log.store.close(); // entries 16..25 are only in the memory tail: rebuilt from the rows on open
        log = await openLog(path, 16);
        expect((await log.add(props[20]!)).created).toBe(false);
      }
    }
    for (let i = 0; i < props.length; i++) {
      const uuid = added[i]!.entry.uuid;
      expect((await log.store.entryByUuid(uuid))?.index).toBe(i);
      expect(await log.store.search(`sha256:${subjects[i]}`)).toEqual([uuid]);
      expect((await log.add(props[i]!)).created).toBe(false);
    }
    const materials = await log.store.search(`sha1:${'a'.repeat(40)}`);
    expect(materials).toHaveLength(props.length);
    expect(await log.store.entryByUuid(Buffer.alloc(32, 7))).toBeNull();
    expect(await log.store.search('sha256:never')).toEqual([]);
    await log.store.close();
  });

  it('writes the index rows of a chunk a slice per batch, and finds everything before, during and after (with reopens)', async () => {
    const path = join(dir, 'slices.db');
    const subjects = Array.from({ length: 60 }, (_, i) => sha(`slice${i}`));
    const props = subjects.map((s) => prepareProposed(signer.dsse(s).proposed));
    // 16-entry chunks of ≈ 100 index rows, 7 rows per batch: a chunk takes ≈ 15 single-entry batches
    let log = await openLog(path, 16, 7);
    const added: { entry: { uuid: Buffer } }[] = [];
    const check = async (upTo: number): Promise<void> => {
      for (let j = 0; j < upTo; j++) {
        const uuid = added[j]!.entry.uuid;
        expect((await log.store.entryByUuid(uuid))?.index).toBe(j);
        expect(await log.store.search(`sha256:${subjects[j]}`)).toEqual([uuid]);
      }
    };
    for (let i = 0; i < props.length; i++) {
      added.push(await log.add(props[i]!));
      if (i % 9 === 0) await check(i + 1);
      if (i === 22) {
        await log.store.close(); // mid-slice: the chunk goes back to the memory tail and is written again
        log = await openLog(path, 16, 7);
        await check(i + 1);
      }
    }
    await check(props.length);
    const db = new Database(path, { readonly: true });
    const indexed = Number(db.prepare("SELECT v FROM meta WHERE k = 'indexed'").pluck().get());
    const ixRows = db.prepare('SELECT COUNT(*) FROM ix').pluck().get() as number;
    db.close();
    expect(indexed).toBeGreaterThanOrEqual(16); // a chunk was completed after the reopen
    expect(ixRows).toBeGreaterThanOrEqual(indexed * 5); // uuid, key, payload, envelope, subject, material each
    expect(await log.store.search(`sha1:${'a'.repeat(40)}`)).toHaveLength(props.length);
    await log.store.close();
  });

  it('serves full and partial level-0 tiles and entry bundles', async () => {
    const srv = await startLogServer({ dbPath: join(tempDir(), 'tiles.db'), addr: '127.0.0.1:0' });
    try {
      const added = [];
      for (const a of accepted) added.push(await srv.log.add(a));
      const full = Buffer.from(await (await fetch(`${srv.url}/tile/0/000`)).arrayBuffer());
      expect(full).toEqual(Buffer.concat(added.slice(0, 256).map((r) => r.entry.uuid)));
      const part = Buffer.from(await (await fetch(`${srv.url}/tile/0/001.p/44`)).arrayBuffer());
      expect(part).toEqual(Buffer.concat(added.slice(256).map((r) => r.entry.uuid)));
      expect((await fetch(`${srv.url}/tile/0/001.p/45`)).status).toBe(404);
      const l1 = Buffer.from(await (await fetch(`${srv.url}/tile/1/000.p/1`)).arrayBuffer());
      expect(l1).toEqual(rootFromLeafHashes(added.slice(0, 256).map((r) => r.entry.uuid)));
      const entries = Buffer.from(await (await fetch(`${srv.url}/tile/entries/001.p/2`)).arrayBuffer());
      const len = entries.readUInt16BE(0);
      expect(entries.subarray(2, 2 + len)).toEqual(added[256]!.entry.body);
    } finally {
      await srv.close();
    }
  });
});
