/** The `--dir` layout: one SQLite database for every key, and big blobs as files named by their digest. */
export const DB_FILE = 'registry.db';

/** `file = 1`: the value is the content-addressed blob file of that digest, not the row's bytes. */
export const SCHEMA = `CREATE TABLE IF NOT EXISTS kv (
  key TEXT PRIMARY KEY, value BLOB NOT NULL, file INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID`;

/** Keys of blobs that may live as files: `blobs/sha256/<64 hex>` (the hex becomes a file name). */
export const BLOB_FILE_KEY = /^blobs\/sha256\/([0-9a-f]{64})$/;
