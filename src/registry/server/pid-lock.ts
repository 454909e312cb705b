import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { RegistryError } from '../errors.ts';

/** Lock files this process holds (a pid equal to ours in a lock file is otherwise a previous incarnation). */
const held = new Set<string>();

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * One registry process per storage directory: its in-memory index would not see another's appends. A lock
 * left by a process that is gone (killed) is taken over, also when the new process got the same pid (a
 * restarted container is pid 1 again). Processes in other pid namespaces sharing the directory are not seen.
 */
export class PidLock {
  private readonly path: string;

  constructor(path: string) {
    this.path = resolve(path);
    if (held.has(this.path)) throw this.inUse(process.pid);
    try {
      writeFileSync(this.path, String(process.pid), { flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = Number(readFileSync(this.path, 'utf8').trim());
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && alive(holder))
        throw this.inUse(holder);
      writeFileSync(this.path, String(process.pid));
    }
    held.add(this.path);
  }

  private inUse(pid: number): RegistryError {
    return new RegistryError(
      'REGISTRY_ERROR',
      `storage directory is in use by process ${pid} (${this.path}); one registry per directory`,
    );
  }

  release(): void {
    if (!held.delete(this.path)) return;
    rmSync(this.path, { force: true });
  }
}
