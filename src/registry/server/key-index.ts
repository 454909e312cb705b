/** A 64-hex name (digests), kept as 32 latin1 chars behind a marker no valid name contains. */
const HEX64 = /^[0-9a-f]{64}$/;
const PACKED = '#';

const pack = (name: string): string =>
  HEX64.test(name) ? PACKED + Buffer.from(name, 'hex').toString('latin1') : name;
const unpack = (name: string): string =>
  name.startsWith(PACKED) ? Buffer.from(name.slice(1), 'latin1').toString('hex') : name;

/**
 * Key -> number map over '/'-joined keys, grouped by parent prefix, so that `children` lists a prefix
 * without scanning every key, and digest names cost 33 chars, not 64 (a run adds ~14 keys, most of them
 * `.../<digest>`). Memory per key is the packed name and one map entry.
 */
export class KeyIndex {
  /** parent prefix -> leaf name (packed) -> value */
  private readonly leaves = new Map<string, Map<string, number>>();
  /** parent prefix ("" for the root) -> child directory name -> number of keys below it */
  private readonly dirs = new Map<string, Map<string, number>>();

  private split(key: string): [string, string] {
    const slash = key.lastIndexOf('/');
    return slash < 0 ? ['', pack(key)] : [key.slice(0, slash), pack(key.slice(slash + 1))];
  }

  get(key: string): number | undefined {
    const [parent, name] = this.split(key);
    return this.leaves.get(parent)?.get(name);
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  set(key: string, value: number): void {
    const [parent, name] = this.split(key);
    let m = this.leaves.get(parent);
    if (!m) this.leaves.set(parent, (m = new Map()));
    if (!m.has(name)) this.count(parent, 1);
    m.set(name, value);
  }

  delete(key: string): boolean {
    const [parent, name] = this.split(key);
    const m = this.leaves.get(parent);
    if (!m?.delete(name)) return false;
    if (m.size === 0) this.leaves.delete(parent);
    this.count(parent, -1);
    return true;
  }

  /** Add `delta` to the key count of every directory on the way to `parent`. */
  private count(parent: string, delta: 1 | -1): void {
    if (parent === '') return;
    let from = 0;
    for (;;) {
      const slash = parent.indexOf('/', from);
      const up = from === 0 ? '' : parent.slice(0, from - 1);
      const child = parent.slice(from, slash < 0 ? undefined : slash);
      let kids = this.dirs.get(up);
      if (!kids) this.dirs.set(up, (kids = new Map()));
      const n = (kids.get(child) ?? 0) + delta;
      if (n > 0) kids.set(child, n);
      else kids.delete(child);
      if (kids.size === 0) this.dirs.delete(up);
      if (slash < 0) return;
      from = slash + 1;
    }
  }

  /** Immediate child names (keys and directories) under `prefix` ("" for the root), sorted. */
  children(prefix: string): string[] {
    const out = new Set<string>(this.dirs.get(prefix)?.keys() ?? []);
    for (const n of this.leaves.get(prefix)?.keys() ?? []) out.add(unpack(n));
    return [...out].sort();
  }
}
