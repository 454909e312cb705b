import {
  existsSync,
  mkdir,
  mkdirSync,
  readFile,
  readFileSync,
  readdir,
  rename,
  renameSync,
  rm,
  stat,
  writeFile,
  writeFileSync,
} from 'node:fs';
import { promisify } from 'node:util';
import { dirname, resolve, sep } from 'node:path';
import { RegistryError } from '../errors.ts';

/**
 * Key/value storage behind the embedded registry. Keys are '/'-joined segments that the server has already
 * validated (repository components, tags, hex digests); the file store re-checks that a key stays inside its root.
 */
export interface KvStore {
  get(key: string): Promise<Buffer | undefined>;
  /** whether the key exists, without reading its value */
  has(key: string): Promise<boolean>;
  put(key: string, value: Buffer): Promise<void>;
  /** several puts; stores that can make them atomic do */
  putAll(entries: [string, Buffer][]): Promise<void>;
  delete(key: string): Promise<boolean>;
  /** immediate child names under a prefix ("" for the root) */
  list(prefix: string): Promise<string[]>;
  /** release files/handles (the server calls it on close) */
  close?(): void;
}

// the callback API: fs/promises' FileHandle path costs several times more per small file (openFileHandle, close)
// Small files (links, tags, manifests, signatures) use the synchronous calls: a few microseconds of syscalls cost
// less CPU than the threadpool hand-offs (measured: registry CPU per signed run); big blobs stay asynchronous.
const SYNC_BYTES = 64 * 1024;
/** Values up to this size are "small": written synchronously here, kept as table rows by DbStore. */
export const SMALL_VALUE_BYTES = SYNC_BYTES;
const isBlobKey = (key: string): boolean => key.startsWith('blobs/');
const readFileP = promisify(readFile);
const writeFileP = promisify(writeFile);
const renameP = promisify(rename);
const mkdirP = promisify(mkdir);
const statP = promisify(stat);
const rmP = promisify(rm);
const readdirP = promisify(readdir);

const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

export function checkKey(key: string): string[] {
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
  async has(key: string): Promise<boolean> {
    return this.map.has(key);
  }
  async put(key: string, value: Buffer): Promise<void> {
    checkKey(key);
    this.map.set(key, Buffer.from(value));
  }
  async putAll(entries: [string, Buffer][]): Promise<void> {
    for (const [k] of entries) checkKey(k);
    for (const [k, v] of entries) this.map.set(k, Buffer.from(v));
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
  private readonly dirs = new Set<string>();

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
      // everything outside blobs/ is a few bytes (links, tags, media types, referrer entries)
      return isBlobKey(key) ? await readFileP(this.path(key)) : readFileSync(this.path(key));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'EISDIR')
        return undefined;
      throw e;
    }
  }
  async has(key: string): Promise<boolean> {
    return existsSync(this.path(key));
  }
  async put(key: string, value: Buffer): Promise<void> {
    const p = this.path(key);
    const dir = dirname(p);
    const sync = value.length <= SYNC_BYTES;
    // directories are never removed by the store: create each one once per process
    if (!this.dirs.has(dir)) {
      if (sync) mkdirSync(dir, { recursive: true });
      else await mkdirP(dir, { recursive: true });
      this.remember(dir);
    }
    // an empty value (a repository link) cannot be half-written: create it in place, skipping temp + rename
    if (value.length === 0) return this.writeIn(dir, p, value, true);
    const tmp = `${p}.tmp-${process.pid}-${this.seq++}`;
    await this.writeIn(dir, tmp, value, sync);
    if (sync) renameSync(tmp, p);
    else await renameP(tmp, p);
  }
  async putAll(entries: [string, Buffer][]): Promise<void> {
    for (const [k, v] of entries) await this.put(k, v);
  }
  private async writeIn(dir: string, file: string, value: Buffer, sync: boolean): Promise<void> {
    const write = async () => (sync ? writeFileSync(file, value) : writeFileP(file, value));
    try {
      await write();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      // the directory went away under us (removed outside the store): create it again
      await mkdirP(dir, { recursive: true });
      await write();
    }
  }
  private remember(dir: string): void {
    if (this.dirs.size >= 10_000) this.dirs.clear();
    this.dirs.add(dir);
  }
  async delete(key: string): Promise<boolean> {
    const p = this.path(key);
    try {
      await statP(p);
    } catch {
      return false;
    }
    await rmP(p, { force: true });
    return true;
  }
  async list(prefix: string): Promise<string[]> {
    try {
      const dir = prefix ? this.path(prefix) : this.root;
      return (await readdirP(dir)).filter((n) => !n.includes('.tmp-')).sort();
    } catch {
      return [];
    }
  }
}
