import { closeSync, fdatasync, openSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { NodeId } from '../../core/merkle-ranges.ts';
import { CtLogError } from './errors.ts';

/**
 * The CT log's SQLite store in WAL mode. A batch of entries and its Merkle nodes is one transaction (atomic after
 * kill -9); it commits with synchronous=NORMAL and `sync()` then fdatasyncs the WAL on the libuv pool, so the event
 * loop keeps taking requests for the next batch meanwhile. SQLite syncs the WAL before each checkpoint, so one
 * fdatasync of the WAL covers every committed frame. An SCT is handed out only after that sync.
 */

export interface CtEntryRow {
  index: number;
  /** SHA-256 of the signed entry (type ‖ entry): one log entry per certificate / precertificate. */
  identity: Buffer;
  /** RFC 6962 §3.4 MerkleTreeLeaf. */
  leaf: Buffer;
  leafHash: Buffer;
  /** get-entries extra_data (§4.6). */
  extra: Buffer;
  /** The TLS-encoded SCT handed out for this entry (answered again for duplicates). */
  sct: Buffer;
}

export interface CtNode extends NodeId {
  hash: Buffer;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS entries (
  idx INTEGER PRIMARY KEY, identity BLOB NOT NULL UNIQUE, leaf BLOB NOT NULL, leaf_hash BLOB NOT NULL,
  extra BLOB NOT NULL, sct BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS entries_leaf_hash ON entries(leaf_hash);
CREATE TABLE IF NOT EXISTS nodes (level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL,
  PRIMARY KEY (level, idx)) WITHOUT ROWID;`;

interface RawRow {
  idx: number;
  identity: Buffer;
  leaf: Buffer;
  leaf_hash: Buffer;
  extra: Buffer;
  sct: Buffer;
}

const toRow = (r: RawRow): CtEntryRow => ({
  index: r.idx,
  identity: r.identity,
  leaf: r.leaf,
  leafHash: r.leaf_hash,
  extra: r.extra,
  sct: r.sct,
});

export class CtStore {
  private readonly db: Database.Database;
  private readonly st;
  private readonly path: string;
  private wal: number | null = null;

  constructor(path: string) {
    this.path = path;
    try {
      this.db = new Database(path);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.db.exec(SCHEMA);
    } catch (e) {
      throw new CtLogError('CT_STORE', `cannot open CT log database ${path}: ${(e as Error).message}`, {
        cause: e,
      });
    }
    this.st = {
      size: this.db.prepare('SELECT COALESCE(MAX(idx) + 1, 0) AS n FROM entries'),
      insert: this.db.prepare(
        'INSERT INTO entries (idx, identity, leaf, leaf_hash, extra, sct) VALUES (@index, @identity, @leaf, @leafHash, @extra, @sct)',
      ),
      node: this.db.prepare('INSERT OR REPLACE INTO nodes (level, idx, hash) VALUES (?, ?, ?)'),
      getNode: this.db.prepare('SELECT hash FROM nodes WHERE level = ? AND idx = ?').pluck(),
      byIdentity: this.db.prepare('SELECT * FROM entries WHERE identity = ?'),
      byLeafHash: this.db.prepare('SELECT * FROM entries WHERE leaf_hash = ? ORDER BY idx LIMIT 1'),
      range: this.db.prepare('SELECT * FROM entries WHERE idx >= ? AND idx <= ? ORDER BY idx'),
    };
  }

  size(): number {
    return (this.st.size.get() as { n: number }).n;
  }

  /** Entries and the Merkle nodes they complete, in one durable transaction. */
  append(rows: readonly CtEntryRow[], nodes: readonly CtNode[]): void {
    this.db.transaction(() => {
      for (const r of rows) this.st.insert.run(r);
      for (const n of nodes) this.st.node.run(n.level, n.index, n.hash);
    })();
  }

  node(id: NodeId): Buffer {
    const h = this.st.getNode.get(id.level, id.index) as Buffer | undefined;
    if (!h) throw new CtLogError('CT_STORE', `Merkle node ${id.level}/${id.index} is missing`);
    return h;
  }

  byIdentity(identity: Buffer): CtEntryRow | undefined {
    const r = this.st.byIdentity.get(identity) as RawRow | undefined;
    return r && toRow(r);
  }

  byLeafHash(leafHash: Buffer): CtEntryRow | undefined {
    const r = this.st.byLeafHash.get(leafHash) as RawRow | undefined;
    return r && toRow(r);
  }

  entries(start: number, end: number): CtEntryRow[] {
    return (this.st.range.all(start, end) as RawRow[]).map(toRow);
  }

  /** Make every committed transaction durable (fdatasync of the WAL file, off the event loop). */
  async sync(): Promise<void> {
    const fd = (this.wal ??= openSync(`${this.path}-wal`, 'r'));
    await new Promise<void>((resolve, reject) => fdatasync(fd, (e) => (e ? reject(e) : resolve())));
  }

  close(): void {
    if (this.wal !== null) closeSync(this.wal);
    this.wal = null;
    this.db.close();
  }
}
