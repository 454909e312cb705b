import { existsSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { crc32 } from 'node:zlib';
import Database from 'better-sqlite3';
import { syncDirectory } from '../../core/durable-file.ts';
import { RegistryError } from '../errors.ts';
import { DB_FILE as DB, SCHEMA } from './layout.ts';
import { checkKey } from './store.ts';

/** Files of the two earlier `--dir` layouts: an append log of small values, and a file per key under repos/. */
const OLD_LOG = 'small.log';
const OLD_TREE = 'repos';

type Put = (key: string, value: Buffer | undefined, file?: boolean) => void;

/**
 * Migrate a directory written by an earlier registry (append log `small.log`, or the file-per-key tree) to
 * `registry.db`, in place: the new database is built aside, synced and renamed into place, and only then are the
 * old files removed. Anything unreadable refuses the migration with STORE_MIGRATION and leaves the old files as
 * they were. Blob files (`blobs/sha256/<hex>`) keep their place: the new layout uses the same one.
 */
export function migrateOldLayout(root: string): boolean {
  const log = join(root, OLD_LOG);
  const tree = join(root, OLD_TREE);
  if (existsSync(join(root, DB)) || (!existsSync(log) && !existsSync(tree))) return false;
  const tmp = join(root, `${DB}.migrating`);
  for (const f of [tmp, `${tmp}-wal`, `${tmp}-shm`]) rmSync(f, { force: true });
  try {
    build(tmp, (put) => {
      if (existsSync(tree)) readTree(root, tree, put);
      if (existsSync(log)) readLog(readFileSync(log), put);
      readBlobFiles(join(root, 'blobs', 'sha256'), put);
    });
    renameSync(tmp, join(root, DB));
    syncDirectory(root);
  } catch (e) {
    rmSync(tmp, { force: true });
    const why = e instanceof Error ? e.message : String(e);
    throw new RegistryError('STORE_MIGRATION', `cannot migrate ${root} to ${DB} (${why}); left as it was`, {
      cause: e,
    });
  }
  for (const f of [log, `${log}.lock`, tree]) rmSync(f, { recursive: true, force: true });
  return true;
}

function build(path: string, fill: (put: Put) => void): void {
  const db = new Database(path);
  try {
    db.exec(SCHEMA);
    const up = db.prepare('INSERT OR REPLACE INTO kv (key, value, file) VALUES (?, ?, ?)');
    const del = db.prepare('DELETE FROM kv WHERE key = ?');
    db.transaction(() =>
      fill((key, value, file = false) => {
        checkKey(key);
        if (value === undefined) del.run(key);
        else up.run(key, value, file ? 1 : 0);
      }),
    )();
  } finally {
    db.close(); // rollback journal mode: the commit is synced by SQLite (synchronous=FULL by default)
  }
  syncDirectory(path); // fsync works on a file as on a directory: the database's bytes
}

/** The file-per-key layout: every file under repos/ is a key (temp files of an interrupted write are skipped). */
function readTree(root: string, dir: string, put: Put): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) readTree(root, p, put);
    else if (!e.name.includes('.tmp-')) put(relative(root, p).split(sep).join('/'), readFileSync(p));
  }
}

/** Append-log records: crc32, value length (0xffffffff = deleted), key length, flags (1 = batch continues). */
function readLog(buf: Buffer, put: Put): void {
  let pos = 0;
  let batch: [string, Buffer | undefined][] = [];
  while (pos + 12 <= buf.length) {
    const vlen = buf.readUInt32LE(pos + 4);
    const klen = buf.readUInt16LE(pos + 8);
    const end = pos + 12 + klen + (vlen === 0xffffffff ? 0 : vlen);
    if (end > buf.length || crc32(buf.subarray(pos + 4, end)) !== buf.readUInt32LE(pos)) break; // torn tail
    const key = buf.toString('latin1', pos + 12, pos + 12 + klen);
    batch.push([key, vlen === 0xffffffff ? undefined : buf.subarray(pos + 12 + klen, end)]);
    if ((buf.readUInt16LE(pos + 10) & 1) === 0) {
      for (const [k, v] of batch) put(k, v);
      batch = [];
    }
    pos = end;
  }
}

function readBlobFiles(dir: string, put: Put): void {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir))
    if (/^[0-9a-f]{64}$/.test(name)) put(`blobs/sha256/${name}`, Buffer.alloc(0), true);
}
