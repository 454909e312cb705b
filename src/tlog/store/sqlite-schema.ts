import type Database from 'better-sqlite3';
import { ChainsError } from '../../core/errors.ts';
import type { NodeId } from '../../core/merkle-ranges.ts';
import type { StoredNode } from './store.ts';

export const SCHEMA_VERSION = '2';
/**
 * One row per entry, appended in index order: the leaf hash (= UUID = level-0 node), the hashes of the
 * perfect subtrees this leaf completes (`up`: levels 1..t, 32 bytes each) and its search-key hashes. So a
 * batch writes only the rightmost pages of `entries` plus the meta page; `ix` is written per index chunk.
 */
export const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v BLOB) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS entries (idx INTEGER PRIMARY KEY, uuid BLOB NOT NULL, body BLOB NOT NULL,
  itime INTEGER NOT NULL, sett BLOB NOT NULL, att BLOB, up BLOB, keys BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS ix (h INTEGER NOT NULL, idx INTEGER NOT NULL, PRIMARY KEY (h, idx)) WITHOUT ROWID;
`;
export const ENTRY_COLS = 'idx, uuid, body, itime, sett, att';

/** An entry row as read with ENTRY_COLS (the columns both schemas share). */
export interface EntryRow {
  idx: number;
  uuid: Buffer;
  body: Buffer;
  itime: number;
  sett: Buffer;
  att: Buffer | null;
}

/** The last leaf of perfect subtree (level, index): the append that completed it stores its hash. */
export const lastLeaf = (id: NodeId): number => (id.index + 1) * 2 ** id.level - 1;

/** Upper nodes of a batch grouped by the entry that completed them, as `up` blobs (levels 1..t in order). */
export function upperNodes(nodes: readonly StoredNode[]): Map<number, Buffer> {
  const parts = new Map<number, Buffer[]>();
  for (const n of nodes) {
    if (n.level === 0) continue; // the leaf hash is the entry's uuid
    const leaf = lastLeaf(n);
    const list = parts.get(leaf) ?? [];
    if (list.length !== n.level - 1) throw new Error(`tree node ${n.level}/${n.index} out of order`);
    list.push(n.hash);
    parts.set(leaf, list);
  }
  return new Map([...parts].map(([leaf, list]) => [leaf, Buffer.concat(list)]));
}

/**
 * The schema version of an existing database: null for a new one, '1' for the first schema (nodes and search
 * tables, see migrate-v1.ts); any other version than ours is refused instead of misread.
 */
export function checkSchema(db: Database.Database, path: string): string | null {
  const tables = db.prepare<[], string>("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all();
  const meta = tables.includes('meta')
    ? db.prepare<[], Buffer | string>("SELECT v FROM meta WHERE k = 'schema'").pluck().get()
    : undefined;
  const version = meta === undefined ? (tables.includes('entries') ? '1' : null) : String(meta);
  if (version !== null && version !== '1' && version !== SCHEMA_VERSION)
    throw new ChainsError(
      'TLOG_STORE',
      `log database ${path} has schema version ${version}; this server reads versions 1 and ${SCHEMA_VERSION} ` +
        '(serve it with the Chains version that wrote it, or start a new --db)',
    );
  return version;
}
