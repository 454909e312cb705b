import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Write a file so that after a crash or power cut it holds all of `data` or does not exist: a temp file (created
 * with `mode`, never replacing one), fsync, rename into place, fsync of the directory. A rename alone is atomic
 * but not durable: the new name lives only in the page cache until the directory is synced (POSIX fsync(2)).
 */
export function writeFileDurably(path: string, data: string | Uint8Array, mode: number): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    const fd = openSync(tmp, 'wx', mode);
    try {
      const bytes = typeof data === 'string' ? Buffer.from(data) : data;
      for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at, bytes.length - at);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    removeQuietly(tmp);
    throw e;
  }
  syncDirectory(dirname(path));
}

/** The temp file may not exist, or its folder may not be one (ENOTDIR): the write's own error is the one to throw. */
function removeQuietly(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // nothing was written there
  }
}

/** fsync a directory, so names created, renamed or removed in it survive a power cut. */
export function syncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
