import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { RegistryError } from '../errors.ts';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** One registry process per storage directory: its in-memory index would not see another's appends. */
export class PidLock {
  constructor(private readonly path: string) {
    try {
      writeFileSync(path, String(process.pid), { flag: 'wx' });
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = Number(readFileSync(path, 'utf8').trim());
    if (Number.isInteger(holder) && holder > 0 && alive(holder)) {
      throw new RegistryError(
        'REGISTRY_ERROR',
        `storage directory is in use by process ${holder} (${path}); one registry per directory`,
      );
    }
    // left by a process that is gone (killed): take it over
    writeFileSync(path, String(process.pid));
  }

  release(): void {
    rmSync(this.path, { force: true });
  }
}
