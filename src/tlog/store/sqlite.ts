import { closeSync, fdatasync, fdatasyncSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { NodeId } from '../../core/merkle-ranges.ts';
import { TlogError } from '../types/ids.ts';
import { IndexTail, hasKey, keyHash, rowKey } from './index-tail.ts';
import type { TailEntry } from './index-tail.ts';
import {
  ENTRY_COLS,
  type EntryRow,
  SCHEMA,
  SCHEMA_VERSION,
  checkSchema,
  lastLeaf,
  upperNodes,
} from './sqlite-schema.ts';
import type { Batch, LogStore, StoreState, StoredEntry } from './store.ts';
import { UuidFilter } from './uuid-filter.ts';
import { migrateV1 } from './migrate-v1.ts';

/** The store's tuning; the values and the figures behind them are in the server's tuning.ts. */
export interface StoreTuning {
  /** Entries indexed in memory before their index rows are written (sorted, `indexSlice` rows per batch). */
  indexChunk: number;
  /** Index rows written per batch while a chunk is pending. */
  indexSlice: number;
  /** Batches of at least this many entries fdatasync on the libuv pool, smaller ones in this thread. */
  poolSyncFrom: number;
  /** SQLite's wal_autocheckpoint, in pages. */
  walAutocheckpointPages: number;
  /** Bloom filter bits per stored UUID, for the duplicate check. */
  filterBitsPerUuid: number;
}

/**
 * SQLite store in WAL mode. A batch is one transaction (atomic: after kill -9 either all of it or none is
 * there). Durability: the commit itself runs with synchronous=NORMAL, then the WAL file is fdatasync'ed before
 * commit() resolves, so a 201 is only sent for entries on stable storage.
 */
export class SqliteLogStore implements LogStore {
  private readonly db: Database.Database;
  private readonly st;
  private wal: number | null = null;
  private readonly path: string;
  private tail = new IndexTail();
  /** A full chunk whose index rows are being written, a slice per batch; still answered from memory. */
  private sealed: { tail: IndexTail; end: number; rows: [number, number][]; at: number } | null = null;
  private filter: UuidFilter;
  /** Entries copied from a schema-1 database when this store opened it (0 otherwise). */
  readonly migrated: number = 0;

  constructor(
    path: string,
    private readonly tuning: StoreTuning,
  ) {
    this.path = path;
    this.db = new Database(path);
    try {
      const version = checkSchema(this.db, path);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      // a checkpoint is a page copy + fsync of the db, on the event loop
      this.db.pragma(`wal_autocheckpoint = ${tuning.walAutocheckpointPages}`);
      if (version === '1') {
        this.migrated = migrateV1(this.db, path);
        this.db.pragma('wal_checkpoint(TRUNCATE)'); // the migration is on disk before anything else is written
      }
    } catch (e) {
      this.db.close();
      throw e;
    }
    this.db.exec(SCHEMA);
    this.st = this.statements();
    this.st.setMeta.run('schema', SCHEMA_VERSION);
    this.loadTail();
    this.filter = this.buildFilter();
  }

  /** Every stored UUID into a new filter (one scan of the entries; ≈ 0.4 s per million). */
  private buildFilter(): UuidFilter {
    const f = new UuidFilter(2 * this.entryCount(), this.tuning.filterBitsPerUuid);
    for (const u of this.st.uuids.iterate()) f.add(u);
    return f;
  }

  private statements() {
    const p = this.db.prepare.bind(this.db);
    return {
      meta: p<[string], { v: Buffer | string }>('SELECT v FROM meta WHERE k = ?'),
      setMeta: p('INSERT OR REPLACE INTO meta (k, v) VALUES (?, ?)'),
      count: p<[], { n: number }>('SELECT COUNT(*) AS n FROM entries'),
      insEntry: p(
        'INSERT INTO entries (idx, uuid, body, itime, sett, att, up, keys) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      insIx: p('INSERT OR IGNORE INTO ix (h, idx) VALUES (?, ?)'),
      byIndex: p<[number], EntryRow>(`SELECT ${ENTRY_COLS} FROM entries WHERE idx = ?`),
      range: p<[number, number], EntryRow>(
        `SELECT ${ENTRY_COLS} FROM entries WHERE idx >= ? AND idx < ? ORDER BY idx`,
      ),
      uuidAt: p<[number], Buffer>('SELECT uuid FROM entries WHERE idx = ?').pluck(),
      upAt: p<[number], Buffer | null>('SELECT up FROM entries WHERE idx = ?').pluck(),
      keysAt: p<[number], { uuid: Buffer; keys: Buffer }>('SELECT uuid, keys FROM entries WHERE idx = ?'),
      ix: p<[number], number>('SELECT idx FROM ix WHERE h = ?').pluck(),
      uuids: p<[], Buffer>('SELECT uuid FROM entries').pluck(),
      tail: p<[number], TailEntry>('SELECT idx, uuid, keys FROM entries WHERE idx >= ? ORDER BY idx'),
    };
  }

  /** Entries past the `indexed` mark (written since the last index chunk) go back into the memory index. */
  private loadTail(): void {
    const from = Number(this.metaText('indexed') ?? '0');
    for (const e of this.st.tail.iterate(from)) this.tail.add(e);
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

  /** One transaction per batch: entry rows (with their tree nodes and key hashes) and the signed checkpoint. */
  async commit(batch: Batch): Promise<void> {
    await this.write(batch);
    await this.sync(batch.entries.length);
  }

  /**
   * One transaction: the batch's entry rows (with their upper nodes and key hashes), the next slice of a sealed
   * index chunk, the head. A chunk's rows (≈ 28 k for 4 096 dsse entries) took 42–72 ms in one transaction,
   * a stall of the event loop every 4 096 entries; in slices of `indexSlice` rows they add ≈ 4 ms to a batch.
   */
  async write(batch: Batch): Promise<void> {
    const up = upperNodes(batch.nodes);
    const keyed = batch.entries;
    const rows: TailEntry[] = keyed.map(({ entry: e, keys }) => ({ idx: e.index, uuid: e.uuid, keys }));
    const sealed = this.sealed;
    const slice = sealed ? sealed.rows.slice(sealed.at, sealed.at + this.tuning.indexSlice) : [];
    const finished = sealed !== null && sealed.at + slice.length >= sealed.rows.length;
    this.db.transaction(() => {
      for (const { entry: e, keys } of keyed)
        this.st.insEntry.run(
          e.index,
          e.uuid,
          e.body,
          e.integratedTime,
          e.set,
          e.attestation,
          up.get(e.index) ?? null,
          keys,
        );
      for (const [h, idx] of slice) this.st.insIx.run(h, idx);
      if (finished) this.st.setMeta.run('indexed', String(sealed.end));
      this.st.setMeta.run('size', String(batch.checkpoint.size));
      this.st.setMeta.run('root', batch.checkpoint.rootHash);
      this.st.setMeta.run('checkpoint', batch.checkpoint.note);
    })();
    if (sealed) sealed.at += slice.length;
    if (finished) this.sealed = null;
    for (const r of rows) this.tail.add(r);
    if (!this.sealed && this.tail.size >= this.tuning.indexChunk) this.seal(batch.checkpoint.size);
    for (const r of rows) this.filter.add(r.uuid);
    if (this.filter.full) this.filter = this.buildFilter();
  }

  /** The tail (entries below `end`) becomes the sealed chunk; its rows are sorted once, by key. */
  private seal(end: number): void {
    this.sealed = { tail: this.tail, end, rows: this.tail.rows([]), at: 0 };
    this.tail = new IndexTail();
  }

  async sync(entries: number): Promise<void> {
    await this.flush(entries);
  }

  /**
   * fdatasync the WAL (SQLite syncs the WAL before every checkpoint, so this covers the committed frames).
   * Small batches (few clients) sync in this thread: on this VM a sync through the libuv pool cost 130–180 µs
   * of CPU and 630 µs of wall time (thread wake-ups), a direct one 60 µs and 230 µs. Big batches (many
   * clients) sync on the pool, where that CPU is a few µs per entry and the event loop keeps serving meanwhile.
   */
  private async flush(entries: number): Promise<void> {
    const fd = (this.wal ??= openSync(`${this.path}-wal`, 'r'));
    if (entries < this.tuning.poolSyncFrom) return fdatasyncSync(fd);
    await new Promise<void>((res, rej) => fdatasync(fd, (e) => (e ? rej(e) : res())));
  }

  async entryByIndex(index: number): Promise<StoredEntry | null> {
    const r = this.st.byIndex.get(index);
    return r ? toEntry(r) : null;
  }

  async entryByUuid(uuid: Buffer): Promise<StoredEntry | null> {
    if (!this.filter.mayHave(uuid)) return null;
    const memory = [...this.tail.uuidCandidates(uuid), ...(this.sealed?.tail.uuidCandidates(uuid) ?? [])];
    for (const candidates of [memory, null])
      for (const i of candidates ?? this.st.ix.all(rowKey(uuid))) {
        const r = this.st.byIndex.get(i);
        if (r?.uuid.equals(uuid)) return toEntry(r);
      }
    return null;
  }

  async entriesInRange(from: number, to: number): Promise<StoredEntry[]> {
    return this.st.range.all(from, to).map(toEntry);
  }

  async nodes(ids: readonly NodeId[]): Promise<Buffer[]> {
    return ids.map((id) => {
      const h = id.level === 0 ? this.st.uuidAt.get(id.index) : this.upperNode(id);
      if (!h || h.length !== 32)
        throw new TlogError('TLOG_NOT_FOUND', `tree node ${id.level}/${id.index} is missing from the store`);
      return h;
    });
  }

  private upperNode(id: NodeId): Buffer | undefined {
    const up = this.st.upAt.get(lastLeaf(id));
    return up?.subarray((id.level - 1) * 32, id.level * 32);
  }

  async search(key: string): Promise<Buffer[]> {
    const h = keyHash(key);
    const out: Buffer[] = [];
    const memory = [...this.tail.search(h), ...(this.sealed?.tail.search(h) ?? [])];
    for (const idx of new Set([...this.st.ix.all(rowKey(h)), ...memory])) {
      const r = this.st.keysAt.get(idx);
      if (r && hasKey(r.keys, h)) out.push(r.uuid); // an ix row may be a UUID row with the same 8 bytes
    }
    return out;
  }

  /** Entry count, for the consistency check at open. */
  entryCount(): number {
    return this.st.count.get()?.n ?? 0;
  }

  async close(): Promise<void> {
    if (this.wal !== null) closeSync(this.wal);
    this.wal = null;
    this.db.close();
  }
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
