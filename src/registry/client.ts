import { RegistryError } from './errors.ts';
import {
  MANIFEST_ACCEPT,
  MediaType,
  declaredMediaType,
  emptyIndex,
  parseIndex,
  type Descriptor,
  type ImageIndex,
} from './manifest.ts';
import { identifier, repositoryName, type ImageReference, type Repository } from './reference.ts';
import { RegistrySession, type RegistryClientOptions } from './session.ts';
import type { HttpResponse } from './transport.ts';

export interface FetchedManifest {
  bytes: Buffer;
  mediaType: string;
  digest: string;
}

/** OCI distribution-spec client: manifests, blobs, tags, referrers. Every download is digest-checked. */
export class RegistryClient {
  readonly session: RegistrySession;

  constructor(opts: RegistryClientOptions = {}) {
    this.session = new RegistrySession(opts);
  }

  private header(res: HttpResponse, name: string): string | undefined {
    const v = res.headers[name];
    return Array.isArray(v) ? v[0] : v;
  }

  /** GET a manifest by tag or digest; verifies the digest (requested, or Docker-Content-Digest). */
  async getManifest(repo: Repository, reference: string): Promise<FetchedManifest> {
    return this.fetchManifest(repo, reference, false) as Promise<FetchedManifest>;
  }

  /** The manifest, or undefined on 404 (answered without building an error: a new `.sig`/`.att` tag is common). */
  async getManifestIfExists(repo: Repository, reference: string): Promise<FetchedManifest | undefined> {
    return this.fetchManifest(repo, reference, true);
  }

  private async fetchManifest(
    repo: Repository,
    reference: string,
    absentOk: boolean,
  ): Promise<FetchedManifest | undefined> {
    const res = await this.session.send(repo, {
      method: 'GET',
      path: `/v2/${repo.repository}/manifests/${reference}`,
      scope: 'pull',
      headers: { accept: MANIFEST_ACCEPT.join(', ') },
      maxBytes: this.session.maxManifestBytes,
      tooLarge: 'MANIFEST_TOO_LARGE',
    });
    const what = `manifest ${repositoryName(repo)}${reference.startsWith('sha256:') ? '@' : ':'}${reference}`;
    if (res.status === 404 && absentOk) return undefined;
    if (res.status !== 200) this.session.fail(res, what);
    const digest = this.session.digestOf(res.body);
    const expected = reference.startsWith('sha256:') ? reference : this.header(res, 'docker-content-digest');
    if (expected?.startsWith('sha256:') && expected !== digest) {
      throw new RegistryError(
        'DIGEST_MISMATCH',
        `${what}: content hashes to ${digest}, expected ${expected}`,
      );
    }
    const mediaType =
      declaredMediaType(res.body) ?? this.header(res, 'content-type')?.split(';')[0] ?? MediaType.ociManifest;
    return { bytes: res.body, mediaType, digest };
  }

  /** Resolve a reference to its manifest digest (digest references resolve to themselves after a check). */
  async resolve(ref: ImageReference): Promise<FetchedManifest> {
    return this.getManifest(ref, identifier(ref));
  }

  /** PUT a manifest under a tag or its digest; returns the digest. Push blobs first: this is the commit point. */
  async putManifest(repo: Repository, reference: string, bytes: Buffer, mediaType?: string): Promise<string> {
    if (bytes.length > this.session.maxManifestBytes) {
      throw new RegistryError(
        'MANIFEST_TOO_LARGE',
        `manifest of ${bytes.length} bytes exceeds the ${this.session.maxManifestBytes}-byte limit`,
      );
    }
    const res = await this.session.send(repo, {
      method: 'PUT',
      path: `/v2/${repo.repository}/manifests/${reference}`,
      scope: 'pull,push',
      headers: { 'content-type': mediaType ?? declaredMediaType(bytes) ?? MediaType.ociManifest },
      body: bytes,
    });
    if (res.status !== 201 && res.status !== 200)
      this.session.fail(res, `push manifest ${repositoryName(repo)}:${reference}`);
    return this.session.digestOf(bytes);
  }

  async deleteManifest(repo: Repository, digest: string): Promise<void> {
    const res = await this.session.send(repo, {
      method: 'DELETE',
      path: `/v2/${repo.repository}/manifests/${digest}`,
      scope: 'delete',
    });
    if (res.status !== 202 && res.status !== 200)
      this.session.fail(res, `delete ${repositoryName(repo)}@${digest}`);
  }

  async blobExists(repo: Repository, digest: string): Promise<boolean> {
    const res = await this.session.send(repo, {
      method: 'HEAD',
      path: `/v2/${repo.repository}/blobs/${digest}`,
      scope: 'pull',
    });
    if (res.status === 200) return true;
    if (res.status === 404) return false;
    return this.session.fail(res, `blob ${digest}`);
  }

  /** GET a blob (redirects followed) and verify its sha256. */
  async getBlob(repo: Repository, digest: string): Promise<Buffer> {
    let path = `/v2/${repo.repository}/blobs/${digest}`;
    for (let hops = 0; hops < 5; hops++) {
      const res = await this.session.send(repo, {
        method: 'GET',
        path,
        scope: 'pull',
        maxBytes: this.session.maxBlobBytes,
        tooLarge: 'BLOB_TOO_LARGE',
      });
      const location = this.header(res, 'location');
      if (res.status >= 300 && res.status < 400 && location) {
        path = new URL(location, await this.session.base(repo.registry)).toString();
        continue;
      }
      if (res.status !== 200) this.session.fail(res, `blob ${repositoryName(repo)}@${digest}`);
      const got = this.session.digestOf(res.body);
      if (got !== digest) throw new RegistryError('DIGEST_MISMATCH', `blob ${digest} hashes to ${got}`);
      return res.body;
    }
    throw new RegistryError('REGISTRY_ERROR', `too many redirects fetching blob ${digest}`);
  }

  async listTags(repo: Repository): Promise<string[]> {
    const res = await this.session.send(repo, {
      method: 'GET',
      path: `/v2/${repo.repository}/tags/list`,
      scope: 'pull',
      maxBytes: 16 << 20,
    });
    if (res.status === 404) return [];
    if (res.status !== 200) this.session.fail(res, `tags of ${repositoryName(repo)}`);
    const v = JSON.parse(res.body.toString('utf8')) as { tags?: string[] | null };
    return v.tags ?? [];
  }

  /** Referrers of `digest`: the OCI 1.1 API, else the `sha256-<hex>` tag-schema index (distribution 2.8). */
  async referrers(repo: Repository, digest: string, artifactType?: string): Promise<Descriptor[]> {
    const q = artifactType ? `?artifactType=${encodeURIComponent(artifactType)}` : '';
    const res = await this.session.send(repo, {
      method: 'GET',
      path: `/v2/${repo.repository}/referrers/${digest}${q}`,
      scope: 'pull',
      headers: { accept: MediaType.ociIndex },
      maxBytes: this.session.maxManifestBytes,
      tooLarge: 'MANIFEST_TOO_LARGE',
    });
    const ct = this.header(res, 'content-type') ?? '';
    const index =
      res.status === 200 && ct.startsWith(MediaType.ociIndex)
        ? parseIndex(res.body, 'referrers index')
        : await this.referrersTagIndex(repo, digest);
    return index.manifests.filter((d) => !artifactType || d.artifactType === artifactType);
  }

  /** The tag-schema index for `digest` (empty when absent). */
  async referrersTagIndex(repo: Repository, digest: string): Promise<ImageIndex> {
    const m = await this.getManifestIfExists(repo, digest.replace(':', '-'));
    return m ? parseIndex(m.bytes, 'referrers tag-schema index') : emptyIndex();
  }

  /** Push a manifest that has a `subject`; keeps the tag-schema index current when the registry lacks the API. */
  async putReferrer(
    repo: Repository,
    bytes: Buffer,
    descriptor: Descriptor,
    subjectDigest: string,
  ): Promise<void> {
    const digest = await this.putManifestWithHeaders(repo, bytes, descriptor.mediaType);
    if (digest.subjectHeader) return;
    const index = await this.referrersTagIndex(repo, subjectDigest);
    if (index.manifests.some((d) => d.digest === descriptor.digest)) return;
    index.manifests.push(descriptor);
    await this.putManifest(
      repo,
      subjectDigest.replace(':', '-'),
      Buffer.from(JSON.stringify(index)),
      MediaType.ociIndex,
    );
  }

  private async putManifestWithHeaders(
    repo: Repository,
    bytes: Buffer,
    mediaType: string,
  ): Promise<{ subjectHeader: boolean }> {
    const digest = this.session.digestOf(bytes);
    const res = await this.session.send(repo, {
      method: 'PUT',
      path: `/v2/${repo.repository}/manifests/${digest}`,
      scope: 'pull,push',
      headers: { 'content-type': mediaType },
      body: bytes,
    });
    if (res.status !== 201 && res.status !== 200)
      this.session.fail(res, `push referrer ${repositoryName(repo)}@${digest}`);
    return { subjectHeader: this.header(res, 'oci-subject') !== undefined };
  }
}
