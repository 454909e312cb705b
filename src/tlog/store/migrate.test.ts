import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.ts';
import { hashLeaf, rootFromLeafHashes, verifyInclusion } from '../../core/merkle.ts';
import { appendToFrontier } from '../../core/merkle-ranges.ts';
import { SqliteLogStore } from './sqlite.ts';
import { TransparencyLog, acceptProposed, loadOrCreateLogKey, prepareProposed } from '../server/index.ts';
import { signSet } from '../server/sequence.ts';
import { STORE_TUNING } from '../server/tuning.ts';
import { TestSigner, sha, tempDir } from '../../../test/tlog/helpers.ts';

const signer = new TestSigner();
const dir = tempDir('tlog-migrate-');

/** The first schema's tables, as session 1's SqliteLogStore created them. */
const V1 = `
CREATE TABLE meta (k TEXT PRIMARY KEY, v BLOB) WITHOUT ROWID;
CREATE TABLE entries (idx INTEGER PRIMARY KEY, uuid BLOB NOT NULL UNIQUE, body BLOB NOT NULL,
  itime INTEGER NOT NULL, sett BLOB NOT NULL, att BLOB);
CREATE TABLE nodes (id INTEGER PRIMARY KEY, hash BLOB NOT NULL);
CREATE TABLE search (k TEXT NOT NULL, uuid BLOB NOT NULL, PRIMARY KEY (k, uuid)) WITHOUT ROWID;`;

/** A schema-1 log of `n` real entries (dsse, intoto, hashedrekord), written the way the first schema did. */
function writeV1(path: string, n: number, skip?: number) {
  const key = loadOrCreateLogKey(`${path}.key`);
  const prepared = Array.from({ length: n }, (_, i) => {
    const tag = sha(`v1-${path}-${i}`);
    const p =
      i % 3 === 0 ? signer.dsse(tag) : i % 3 === 1 ? signer.intoto(tag, '0.0.2') : signer.hashedRekord(tag);
    return { ...prepareProposed(p.proposed), searchKeys: acceptProposed(p.proposed).searchKeys };
  });
  const db = new Database(path);
  db.exec(V1);
  const edge: (Buffer | undefined)[] = [];
  const uuids: Buffer[] = [];
  prepared.forEach((p, i) => {
    const uuid = hashLeaf(p.body);
    uuids.push(uuid);
    for (const node of appendToFrontier(edge, i, uuid))
      db.prepare('INSERT INTO nodes (id, hash) VALUES (?, ?)').run(
        node.level * 2 ** 46 + node.index,
        node.hash,
      );
    if (i === skip) return;
    const set = signSet(key.privateKey, key.logId, {
      bodyBase64: p.body.toString('base64'),
      integratedTime: 1_700_000_000 + i,
      logIndex: i,
    });
    db.prepare('INSERT INTO entries VALUES (?, ?, ?, ?, ?, ?)').run(
      i,
      uuid,
      p.body,
      1_700_000_000 + i,
      set,
      p.attestation,
    );
    for (const k of new Set(p.searchKeys.map((s) => s.toLowerCase())))
      db.prepare('INSERT INTO search (k, uuid) VALUES (?, ?)').run(k, uuid);
  });
  const root = rootFromLeafHashes(uuids);
  for (const [k, v] of [
    ['treeId', '4242'],
    ['size', String(n)],
    ['root', root],
    ['checkpoint', 'test - 4242\n…\n'],
  ])
    db.prepare('INSERT INTO meta (k, v) VALUES (?, ?)').run(k, v);
  db.close();
  return { prepared, uuids, root };
}

const openLog = async (store: SqliteLogStore, path: string) =>
  TransparencyLog.open({
    store,
    key: loadOrCreateLogKey(`${path}.key`),
    hostname: 'test',
    clock: systemClock,
  });

describe('a schema-1 log database is migrated in place when opened', () => {
  it('keeps every entry, SET, search key and the tree; new appends extend the same tree', async () => {
    const path = join(dir, 'v1.db');
    const { prepared, uuids, root } = writeV1(path, 37);
    const store = new SqliteLogStore(path, STORE_TUNING);
    expect(store.migrated).toBe(37);
    const log = await openLog(store, path);
    expect(log.treeId).toBe('4242');
    expect(log.checkpoint.size).toBe(37);
    expect(log.checkpoint.rootHash).toEqual(root);
    for (const i of [0, 1, 2, 17, 36]) {
      const e = await store.entryByIndex(i);
      expect(e?.body).toEqual(prepared[i]?.body);
      expect(e?.integratedTime).toBe(1_700_000_000 + i);
      expect((await store.entryByUuid(uuids[i] as Buffer))?.index).toBe(i);
      for (const k of prepared[i]?.searchKeys ?? [])
        expect((await store.search(k.toLowerCase())).some((u) => u.equals(uuids[i] as Buffer))).toBe(true);
      const proof = await log.inclusionProof(i, 37);
      expect(() => verifyInclusion(i, 37, uuids[i] as Buffer, proof, root)).not.toThrow();
    }
    const more = await log.add(prepareProposed(signer.dsse(sha('after migration')).proposed));
    expect(more.entry.index).toBe(37);
    expect(log.checkpoint.rootHash).toEqual(rootFromLeafHashes([...uuids, more.entry.uuid]));
    await store.close();
    const again = new SqliteLogStore(path, STORE_TUNING); // schema 2 now: opened as is
    expect(again.migrated).toBe(0);
    expect((await again.state()).size).toBe(38);
    await again.close();
  });

  it('a database it cannot migrate is left as it was, with a clear error; unknown versions are refused', () => {
    const path = join(dir, 'gap.db');
    writeV1(path, 10, 4);
    expect(() => new SqliteLogStore(path, STORE_TUNING)).toThrow(
      expect.objectContaining({ code: 'TLOG_STORE', message: expect.stringMatching(/entry 4 is missing/) }),
    );
    const after = new Database(path);
    const tables = after
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .pluck()
      .all();
    expect(tables).toEqual(['entries', 'meta', 'nodes', 'search']);
    after.prepare("INSERT OR REPLACE INTO meta (k, v) VALUES ('schema', '3')").run();
    after.close();
    expect(() => new SqliteLogStore(path, STORE_TUNING)).toThrow(
      expect.objectContaining({ code: 'TLOG_STORE', message: expect.stringMatching(/schema version 3/) }),
    );
  });
});
