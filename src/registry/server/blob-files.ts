import { mkdirSync } from 'node:fs';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { syncDirectory } from '../../core/durable-file.ts';

/**
 * Content-addressed blob files (`<root>/blobs/sha256/<hex>`) for blobs too big to be table rows, written so that a
 * power cut leaves the whole blob or none: temp file, fsync, rename, fsync of the directory (a new name is
 * durable only once its directory is: POSIX fsync(2), and the power-loss suite's file system holds us to it).
 */
export class BlobFiles {
  readonly dir: string;
  private seq = 0;

  constructor(root: string) {
    this.dir = join(root, 'blobs', 'sha256');
    mkdirSync(this.dir, { recursive: true });
  }

  path(hex: string): string {
    return join(this.dir, hex);
  }

  async write(hex: string, bytes: Buffer): Promise<void> {
    const tmp = join(this.dir, `.tmp-${process.pid}-${this.seq++}`);
    const f = await open(tmp, 'w', 0o644);
    try {
      await f.writeFile(bytes);
      await f.sync();
    } finally {
      await f.close();
    }
    try {
      await rename(tmp, this.path(hex));
    } catch (e) {
      await unlink(tmp).catch(() => undefined);
      throw e;
    }
    syncDirectory(this.dir);
  }

  async read(hex: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.path(hex));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  async remove(hex: string): Promise<void> {
    await unlink(this.path(hex)).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
    });
  }
}
