import type Database from 'better-sqlite3';
import { appendToFrontier } from '../../core/merkle-ranges.ts';
import { ChainsError } from '../../core/errors.ts';
import { rowKey, packKeys, KEY_BYTES } from './index-tail.ts';
import { ENTRY_COLS, type EntryRow, SCHEMA, SCHEMA_VERSION, upperNodes } from './sqlite-schema.ts';

/**
 * Schema 1 (entries + one row per tree node + one row per search key) to schema 2, in place and in one
 * transaction: a crash or an error leaves the schema-1 database exactly as it was. Entries, SETs, integrated
 * times, attestations, the tree ID and the signed checkpoint are copied unchanged; tree nodes are recomputed
 * from the leaf hashes (the log re-checks the root against the checkpoint when it opens).
 */
export function migrateV1(db: Database.Database, path: string): number {
  try {
    return copyV1(db, path);
  } catch (e) {
    if (e instanceof ChainsError) throw e;
    const why = (e as Error).message;
    throw new ChainsError('TLOG_STORE', `cannot migrate log database ${path} from schema 1: ${why}`, {
      cause: e,
    });
  }
}

function copyV1(db: Database.Database, path: string): number {
  let n = 0;
  db.transaction(() => {
    db.exec('ALTER TABLE entries RENAME TO entries_v1');
    db.exec(SCHEMA);
    const keysOf = db.prepare<[Buffer], string>('SELECT k FROM search WHERE uuid = ?').pluck();
    const ins = db.prepare(
      'INSERT INTO entries (idx, uuid, body, itime, sett, att, up, keys) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const insIx = db.prepare('INSERT OR IGNORE INTO ix (h, idx) VALUES (?, ?)');
    const edge: (Buffer | undefined)[] = [];
    const chunk = db.prepare<[number, number], EntryRow>(
      `SELECT ${ENTRY_COLS} FROM entries_v1 WHERE idx >= ? ORDER BY idx LIMIT ?`,
    );
    // in chunks: better-sqlite3 runs no other statement on a connection while one is being iterated
    for (let rows = chunk.all(0, 4096); rows.length > 0; rows = chunk.all(n, 4096))
      for (const r of rows) {
        if (r.idx !== n)
          throw new ChainsError('TLOG_STORE', `log database ${path}: entry ${n} is missing, cannot migrate`);
        const keys = packKeys(keysOf.all(r.uuid));
        const up = upperNodes(appendToFrontier(edge, r.idx, r.uuid)).get(r.idx) ?? null;
        ins.run(r.idx, r.uuid, r.body, r.itime, r.sett, r.att, up, keys);
        insIx.run(rowKey(r.uuid), r.idx);
        for (let o = 0; o + KEY_BYTES <= keys.length; o += KEY_BYTES) insIx.run(keys.readIntBE(o, 6), r.idx);
        n++;
      }
    db.exec('DROP TABLE entries_v1; DROP TABLE nodes; DROP TABLE search;');
    const setMeta = db.prepare('INSERT OR REPLACE INTO meta (k, v) VALUES (?, ?)');
    setMeta.run('indexed', String(n));
    setMeta.run('schema', SCHEMA_VERSION);
  })();
  return n;
}
