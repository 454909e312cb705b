import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import Database from 'better-sqlite3';
import type { NodeId } from '../../core/merkle-ranges.ts';
import { TlogError } from '../types/ids.ts';
import type { Batch, LogStore, StoreState, StoredEntry } from './store.ts';

interface EntryRow {
  idx: number;
  uuid: Buffer;
  body: Buffer;
  itime: number;
  sett: Buffer;
  att: Buffer | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v BLOB) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS entries (idx INTEGER PRIMARY KEY, uuid BLOB NOT NULL UNIQUE, body BLOB NOT NULL,
  itime INTEGER NOT NULL, sett BLOB NOT NULL, att BLOB);
CREATE TABLE IF NOT EXISTS nodes (id INTEGER PRIMARY KEY, hash BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS search (k TEXT NOT NULL, uuid BLOB NOT NULL, PRIMARY KEY (k, uuid)) WITHOUT ROWID;
`;

/** Node (level, index) packed into one integer key: level in the top bits (levels ≤ 63, index < 2^46). */
function nodeKey(id: NodeId): number {
  return id.level * 2 ** 46 + id.index;
}

function toEntry(r: EntryRow): StoredEntry {
  return {
    index: r.idx,
    uuid: r.uuid,
    body: r.body,
    integratedTime: r.itime,
    set: r.sett,
    attestation: r.att,
  };
}

/**
 * SQLite store in WAL mode. A batch is one transaction (atomic: after kill -9 either all of it or none is
 * there). Durability: the commit itself runs with synchronous=NORMAL (no fsync on the event loop), then the WAL
 * file is fdatasync'ed on the libuv thread pool before commit() resolves, so a 201 is only sent for entries on
 * stable storage while new requests keep being parsed and verified during the flush.
 */
export class SqliteLogStore implements LogStore {
  private readonly db: Database.Database;
  private readonly st;
  private wal: Promise<FileHandle> | null = null;
  private readonly path: string;

  constructor(path: string) {
    this.path = path;
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    // Random-key index inserts dirty ~7 pages per entry; a checkpoint (page copy + fsync of the db, on the event
    // loop) every 1000 WAL pages ran every 2–3 batches. 64 MiB of WAL between checkpoints dedupes those pages.
    this.db.pragma('wal_autocheckpoint = 16384');
    this.db.exec(SCHEMA);
    this.st = {
      meta: this.db.prepare<[string], { v: Buffer | string }>('SELECT v FROM meta WHERE k = ?'),
      setMeta: this.db.prepare('INSERT OR REPLACE INTO meta (k, v) VALUES (?, ?)'),
      count: this.db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM entries'),
      insEntry: this.db.prepare(
        'INSERT INTO entries (idx, uuid, body, itime, sett, att) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      insNode: this.db.prepare('INSERT OR REPLACE INTO nodes (id, hash) VALUES (?, ?)'),
      insKey: this.db.prepare('INSERT OR IGNORE INTO search (k, uuid) VALUES (?, ?)'),
      byIndex: this.db.prepare<[number], EntryRow>('SELECT * FROM entries WHERE idx = ?'),
      byUuid: this.db.prepare<[Buffer], EntryRow>('SELECT * FROM entries WHERE uuid = ?'),
      range: this.db.prepare<[number, number], EntryRow>(
        'SELECT * FROM entries WHERE idx >= ? AND idx < ? ORDER BY idx',
      ),
      node: this.db.prepare<[number], { hash: Buffer }>('SELECT hash FROM nodes WHERE id = ?'),
      search: this.db.prepare<[string], { uuid: Buffer }>('SELECT uuid FROM search WHERE k = ?'),
    };
  }

  private metaText(k: string): string | null {
    const v = this.st.meta.get(k)?.v;
    return v === undefined ? null : v.toString();
  }

  async state(): Promise<StoreState> {
    const size = Number(this.metaText('size') ?? '0');
    const note = this.metaText('checkpoint');
    const root = this.st.meta.get('root')?.v;
    const checkpoint = note && Buffer.isBuffer(root) ? { size, rootHash: root, note } : null;
    return { treeId: this.metaText('treeId'), size, checkpoint };
  }

  async setTreeId(treeId: string): Promise<void> {
    this.st.setMeta.run('treeId', treeId);
  }

  /** One transaction per batch: entries, tree nodes, search keys and the signed checkpoint together. */
  async commit(batch: Batch): Promise<void> {
    this.db.transaction(() => {
      for (const { entry: e, searchKeys } of batch.entries) {
        this.st.insEntry.run(e.index, e.uuid, e.body, e.integratedTime, e.set, e.attestation);
        for (const k of searchKeys) this.st.insKey.run(k, e.uuid);
      }
      for (const n of batch.nodes) this.st.insNode.run(nodeKey(n), n.hash);
      this.st.setMeta.run('size', String(batch.checkpoint.size));
      this.st.setMeta.run('root', batch.checkpoint.rootHash);
      this.st.setMeta.run('checkpoint', batch.checkpoint.note);
    })();
    await this.flush();
  }

  /** fdatasync the WAL (SQLite syncs the WAL before every checkpoint, so this covers the committed frames). */
  private async flush(): Promise<void> {
    this.wal ??= open(`${this.path}-wal`, 'r');
    await (await this.wal).datasync();
  }

  async entryByIndex(index: number): Promise<StoredEntry | null> {
    const r = this.st.byIndex.get(index);
    return r ? toEntry(r) : null;
  }

  async entryByUuid(uuid: Buffer): Promise<StoredEntry | null> {
    const r = this.st.byUuid.get(uuid);
    return r ? toEntry(r) : null;
  }

  async entriesInRange(from: number, to: number): Promise<StoredEntry[]> {
    return this.st.range.all(from, to).map(toEntry);
  }

  async nodes(ids: readonly NodeId[]): Promise<Buffer[]> {
    return ids.map((id) => {
      const r = this.st.node.get(nodeKey(id));
      if (!r)
        throw new TlogError('TLOG_NOT_FOUND', `tree node ${id.level}/${id.index} is missing from the store`);
      return r.hash;
    });
  }

  async search(key: string): Promise<Buffer[]> {
    return this.st.search.all(key).map((r) => r.uuid);
  }

  /** Entry count, for the consistency check at open. */
  entryCount(): number {
    return this.st.count.get()?.n ?? 0;
  }

  async close(): Promise<void> {
    if (this.wal) await (await this.wal).close();
    this.wal = null;
    this.db.close();
  }
}
