import { closeSync, fdatasync, mkdirSync, openSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { RegistryError } from '../errors.ts';
import { syncDirectory } from '../../core/durable-file.ts';
import { BlobFiles } from './blob-files.ts';
import { BLOB_FILE_KEY, DB_FILE, SCHEMA } from './layout.ts';
import { migrateOldLayout } from './migrate.ts';
import { SMALL_VALUE_BYTES, checkKey, type KvStore } from './store.ts';

interface Row {
  key: string;
  value: Buffer;
  file: number;
}

type Op = { key: string; value: Buffer; file: 0 | 1 } | { key: string; value?: undefined };

interface Pending {
  ops: Op[];
  done: () => void;
  fail: (e: Error) => void;
}

/** Past every key under a prefix: keys use [A-Za-z0-9._-/] only (checkKey). */
const AFTER = '\x7f';
const BLOBS = 'blobs/sha256/';
const EMPTY = Buffer.alloc(0);

/**
 * The embedded registry's `--dir` store: one SQLite database (`registry.db`, WAL) for every key, and blobs over
 * SMALL_VALUE_BYTES as content-addressed files (BlobFiles). A write is acknowledged once durable: the batch of
 * writes that arrived meanwhile is committed in one transaction and the WAL fdatasync'ed on the libuv pool
 * (group commit, as the log's store). A failed sync stops the store: later writes fail until a restart, since
 * the kernel may have dropped the pages it could not write (fsync(2) errors are not retried).
 */
export class SqliteStore implements KvStore {
  private readonly db: Database.Database;
  private readonly files: BlobFiles;
  private readonly walFd: number;
  private readonly queue: Pending[] = [];
  private flushing = false;
  private failed: RegistryError | undefined;
  private readonly q: ReturnType<typeof statements>;

  constructor(root: string) {
    mkdirSync(root, { recursive: true });
    migrateOldLayout(root);
    this.db = new Database(join(root, DB_FILE));
    try {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL'); // durability comes from the WAL fdatasync before each answer
      this.db.exec(SCHEMA);
      this.q = statements(this.db);
      this.q.get.get('');
      this.walFd = openSync(join(root, `${DB_FILE}-wal`), 'r+');
      this.files = new BlobFiles(root);
      // the names made here (the root, the database, its WAL, blobs/sha256) are durable before any write is
      for (const d of [dirname(root), root, join(root, 'blobs'), this.files.dir]) syncDirectory(d);
    } catch (e) {
      this.db.close();
      throw new RegistryError('REGISTRY_ERROR', `cannot open the registry store in ${root}`, { cause: e });
    }
  }

  static async open(root: string): Promise<SqliteStore> {
    return new SqliteStore(root);
  }

  async get(key: string): Promise<Buffer | undefined> {
    const row = this.q.get.get(key) as Row | undefined;
    if (!row) return undefined;
    return row.file ? this.files.read(key.slice(BLOBS.length)) : row.value;
  }

  async has(key: string): Promise<boolean> {
    return this.q.get.get(key) !== undefined;
  }

  async put(key: string, value: Buffer): Promise<void> {
    return this.putAll([[key, value]]);
  }

  /** One transaction: a manifest's blob, media type, referrer entry and tag are all there after a crash, or none. */
  async putAll(entries: [string, Buffer][]): Promise<void> {
    const ops: Op[] = [];
    for (const [key, value] of entries) {
      checkKey(key);
      const hex = BLOB_FILE_KEY.exec(key)?.[1];
      if (hex && value.length > SMALL_VALUE_BYTES) {
        await this.files.write(hex, value); // durable before the row that points at it
        ops.push({ key, value: EMPTY, file: 1 });
      } else ops.push({ key, value, file: 0 });
    }
    return this.commit(ops);
  }

  async delete(key: string): Promise<boolean> {
    const row = this.q.get.get(key) as Row | undefined;
    if (!row) return false;
    await this.commit([{ key }]);
    if (row.file) await this.files.remove(key.slice(BLOBS.length));
    return true;
  }

  /** Immediate children under a prefix, one index seek per child (skipping each child's own subtree). */
  async list(prefix: string): Promise<string[]> {
    const base = prefix ? `${prefix}/` : '';
    const hi = prefix ? `${prefix}0` : AFTER; // '0' follows '/'
    const out = new Set<string>();
    let from = base;
    for (
      let row = this.q.next.get(from, hi) as Row | undefined;
      row;
      row = this.q.next.get(from, hi) as Row
    ) {
      const rest = row.key.slice(base.length);
      const slash = rest.indexOf('/');
      const child = slash < 0 ? rest : rest.slice(0, slash);
      out.add(child);
      from = slash < 0 ? row.key : `${base}${child}/${AFTER}`;
    }
    return [...out].sort();
  }

  private commit(ops: Op[]): Promise<void> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((done, fail) => {
      this.queue.push({ ops, done, fail });
      if (!this.flushing) void this.flush();
    });
  }

  /** Group commit: everything queued while the previous batch synced goes in the next transaction. */
  private async flush(): Promise<void> {
    this.flushing = true;
    while (this.queue.length > 0 && !this.failed) {
      const batch = this.queue.splice(0);
      try {
        this.q.apply(batch.flatMap((p) => p.ops));
      } catch (e) {
        const err = new RegistryError('REGISTRY_ERROR', 'storage write failed', { cause: e });
        for (const p of batch) p.fail(err);
        continue;
      }
      try {
        await new Promise<void>((res, rej) => fdatasync(this.walFd, (e) => (e ? rej(e) : res())));
        for (const p of batch) p.done();
      } catch (e) {
        this.failed = new RegistryError('REGISTRY_ERROR', 'storage sync failed; restart the registry', {
          cause: e,
        });
        for (const p of batch) p.fail(this.failed);
      }
    }
    for (const p of this.queue.splice(0)) p.fail(this.failed as Error);
    this.flushing = false;
  }

  close(): void {
    closeSync(this.walFd);
    this.db.close();
  }
}

function statements(db: Database.Database) {
  const get = db.prepare('SELECT key, value, file FROM kv WHERE key = ?');
  const next = db.prepare('SELECT key FROM kv WHERE key > ? AND key < ? ORDER BY key LIMIT 1');
  const upsert = db.prepare('INSERT OR REPLACE INTO kv (key, value, file) VALUES (?, ?, ?)');
  const del = db.prepare('DELETE FROM kv WHERE key = ?');
  const apply = db.transaction((ops: Op[]) => {
    for (const op of ops) {
      if (op.value === undefined) del.run(op.key);
      else upsert.run(op.key, op.value, op.file);
    }
  });
  return { get, next, apply };
}
