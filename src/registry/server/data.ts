import { sha256Hex } from '../../core/hash.ts';
import type { Descriptor } from '../manifest.ts';
import type { KvStore } from './store.ts';

/** A manifest as stored: bytes live in the blob store, the repository keeps its media type. */
export interface StoredManifest {
  bytes: Buffer;
  mediaType: string;
  hex: string;
}

/**
 * The registry's data model over a KvStore (keys: `blobs/sha256/<hex>`, `repos/<name>/_blobs/<hex>`,
 * `repos/<name>/_manifests/<hex>`, `repos/<name>/_tags/<tag>`, `repos/<name>/_referrers/<subject>/<hex>`).
 * Repository components never start with `_`, so these names cannot collide with a nested repository.
 */
const EMPTY = Buffer.alloc(0);

export class RegistryData {
  private seq = 0;

  constructor(private readonly kv: KvStore) {}

  private r(repo: string): string {
    return `repos/${repo}`;
  }

  async putBlob(repo: string, bytes: Buffer): Promise<string> {
    const hex = sha256Hex(bytes);
    return this.putBlobHex(repo, hex, bytes);
  }

  /** Store bytes the caller has already hashed to `hex` (the upload handler verified the digest). */
  async putBlobHex(repo: string, hex: string, bytes: Buffer): Promise<string> {
    const link: [string, Buffer] = [`${this.r(repo)}/_blobs/${hex}`, EMPTY];
    if (await this.kv.has(`blobs/sha256/${hex}`)) await this.kv.put(...link);
    else await this.kv.putAll([[`blobs/sha256/${hex}`, bytes], link]);
    return hex;
  }

  async hasBlob(repo: string, hex: string): Promise<boolean> {
    return this.kv.has(`${this.r(repo)}/_blobs/${hex}`);
  }

  async getBlob(repo: string, hex: string): Promise<Buffer | undefined> {
    return (await this.hasBlob(repo, hex)) ? this.kv.get(`blobs/sha256/${hex}`) : undefined;
  }

  /** Link an existing blob into another repository (cross-repo mount). */
  async mountBlob(repo: string, hex: string, from: string): Promise<boolean> {
    if (!(await this.hasBlob(from, hex))) return false;
    await this.kv.put(`${this.r(repo)}/_blobs/${hex}`, Buffer.alloc(0));
    return true;
  }

  async deleteBlob(repo: string, hex: string): Promise<boolean> {
    return this.kv.delete(`${this.r(repo)}/_blobs/${hex}`);
  }

  async putManifest(
    repo: string,
    bytes: Buffer,
    mediaType: string,
    tag?: string,
    subject?: Descriptor,
    self?: Descriptor,
    hexOf?: string,
  ): Promise<string> {
    const hex = hexOf ?? sha256Hex(bytes);
    // blob, link, referrer entry, then tag: a store that writes them one by one moves the tag last
    const puts: [string, Buffer][] = [];
    if (!(await this.kv.has(`blobs/sha256/${hex}`))) puts.push([`blobs/sha256/${hex}`, bytes]);
    puts.push([`${this.r(repo)}/_manifests/${hex}`, Buffer.from(mediaType)]);
    if (subject && self) {
      const subjectHex = subject.digest.replace(/^sha256:/, '');
      // `at` keeps referrers in push order when listed (the store lists names sorted)
      const entry = { at: Date.now() * 1000 + (this.seq++ % 1000), descriptor: self };
      puts.push([`${this.r(repo)}/_referrers/${subjectHex}/${hex}`, Buffer.from(JSON.stringify(entry))]);
    }
    if (tag) puts.push([`${this.r(repo)}/_tags/${tag}`, Buffer.from(hex)]);
    await this.kv.putAll(puts);
    return hex;
  }

  close(): void {
    this.kv.close?.();
  }

  async resolveTag(repo: string, tag: string): Promise<string | undefined> {
    return (await this.kv.get(`${this.r(repo)}/_tags/${tag}`))?.toString();
  }

  async getManifest(repo: string, hex: string): Promise<StoredManifest | undefined> {
    const mt = await this.kv.get(`${this.r(repo)}/_manifests/${hex}`);
    const bytes = mt && (await this.kv.get(`blobs/sha256/${hex}`));
    return mt && bytes ? { bytes, mediaType: mt.toString(), hex } : undefined;
  }

  async deleteManifest(repo: string, hex: string): Promise<boolean> {
    if (!(await this.kv.delete(`${this.r(repo)}/_manifests/${hex}`))) return false;
    for (const tag of await this.listTags(repo)) {
      if ((await this.resolveTag(repo, tag)) === hex) await this.kv.delete(`${this.r(repo)}/_tags/${tag}`);
    }
    for (const subject of await this.kv.list(`${this.r(repo)}/_referrers`)) {
      await this.kv.delete(`${this.r(repo)}/_referrers/${subject}/${hex}`);
    }
    return true;
  }

  async deleteTag(repo: string, tag: string): Promise<boolean> {
    return this.kv.delete(`${this.r(repo)}/_tags/${tag}`);
  }

  async listTags(repo: string): Promise<string[]> {
    return this.kv.list(`${this.r(repo)}/_tags`);
  }

  async referrers(repo: string, subjectHex: string): Promise<Descriptor[]> {
    const out: { at: number; descriptor: Descriptor }[] = [];
    const prefix = `${this.r(repo)}/_referrers/${subjectHex}`;
    for (const hex of await this.kv.list(prefix)) {
      const d = await this.kv.get(`${prefix}/${hex}`);
      if (d) out.push(JSON.parse(d.toString()) as { at: number; descriptor: Descriptor });
    }
    return out.sort((a, b) => a.at - b.at).map((e) => e.descriptor);
  }

  async repositoryExists(repo: string): Promise<boolean> {
    return (
      (await this.kv.list(`${this.r(repo)}/_manifests`)).length > 0 ||
      (await this.kv.list(`${this.r(repo)}/_blobs`)).length > 0
    );
  }

  /** Every repository name (a directory holding `_manifests`), sorted. */
  async catalog(prefix = ''): Promise<string[]> {
    const out: string[] = [];
    const children = await this.kv.list(prefix ? `repos/${prefix}` : 'repos');
    for (const c of children) {
      if (c.startsWith('_')) continue;
      const name = prefix ? `${prefix}/${c}` : c;
      if ((await this.kv.list(`repos/${name}/_manifests`)).length > 0) out.push(name);
      out.push(...(await this.catalog(name)));
    }
    return out.sort();
  }
}
