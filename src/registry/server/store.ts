import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { RegistryError } from '../errors.ts';

/**
 * Key/value storage behind the embedded registry. Keys are '/'-joined segments that the server has already
 * validated (repository components, tags, hex digests); the file store re-checks that a key stays inside its root.
 */
export interface KvStore {
  get(key: string): Promise<Buffer | undefined>;
  put(key: string, value: Buffer): Promise<void>;
  delete(key: string): Promise<boolean>;
  /** immediate child names under a prefix ("" for the root) */
  list(prefix: string): Promise<string[]>;
}

const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

function checkKey(key: string): string[] {
  const parts = key.split('/');
  if (parts.some((p) => !SEGMENT.test(p) || p === '.' || p === '..')) {
    throw new RegistryError('BAD_REFERENCE', `invalid storage key "${key}"`);
  }
  return parts;
}

export class MemoryStore implements KvStore {
  private readonly map = new Map<string, Buffer>();

  async get(key: string): Promise<Buffer | undefined> {
    return this.map.get(key);
  }
  async put(key: string, value: Buffer): Promise<void> {
    checkKey(key);
    this.map.set(key, Buffer.from(value));
  }
  async delete(key: string): Promise<boolean> {
    return this.map.delete(key);
  }
  async list(prefix: string): Promise<string[]> {
    const p = prefix ? `${prefix}/` : '';
    const out = new Set<string>();
    for (const k of this.map.keys()) if (k.startsWith(p)) out.add(k.slice(p.length).split('/')[0] ?? '');
    return [...out].filter(Boolean).sort();
  }
}

/** Files under `root`; writes go to a temp file then rename, so a crash never leaves half a blob. */
export class FileStore implements KvStore {
  private readonly root: string;
  private seq = 0;

  constructor(root: string) {
    this.root = resolve(root);
  }

  private path(key: string): string {
    const p = resolve(this.root, ...checkKey(key));
    if (!p.startsWith(this.root + sep))
      throw new RegistryError('BAD_REFERENCE', `key "${key}" escapes the store`);
    return p;
  }

  async get(key: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.path(key));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'EISDIR')
        return undefined;
      throw e;
    }
  }
  async put(key: string, value: Buffer): Promise<void> {
    const p = this.path(key);
    await mkdir(join(p, '..'), { recursive: true });
    const tmp = `${p}.tmp-${process.pid}-${this.seq++}`;
    await writeFile(tmp, value);
    await rename(tmp, p);
  }
  async delete(key: string): Promise<boolean> {
    const p = this.path(key);
    try {
      await stat(p);
    } catch {
      return false;
    }
    await rm(p, { force: true });
    return true;
  }
  async list(prefix: string): Promise<string[]> {
    try {
      const dir = prefix ? this.path(prefix) : this.root;
      return (await readdir(dir)).filter((n) => !n.includes('.tmp-')).sort();
    } catch {
      return [];
    }
  }
}
