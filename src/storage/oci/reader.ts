import { parseImageManifest, type Descriptor } from '../../registry/manifest.ts';
import { parseRepository, repositoryName, type Repository } from '../../registry/reference.ts';
import type { RegistryClient } from '../../registry/client.ts';
import type { ImageTarget } from '../backend.ts';
import { BUNDLE_V03_MEDIA_TYPE } from './bundle.ts';
import { cosignTag } from './layout.ts';

/** One legacy layer read back: descriptor fields plus the digest-verified bytes. */
export interface StoredLayer {
  mediaType: string;
  digest: string;
  annotations: Record<string, string>;
  bytes: Buffer;
}

/** One sigstore-bundle referrer read back. */
export interface StoredBundle {
  manifestDigest: string;
  annotations: Record<string, string>;
  bundle: Buffer;
  /** the simplesigning payload layer of an image-signature bundle */
  payload?: Buffer;
}

/** Read side of the oci backend: list and fetch what is stored for an image (cosign's layout). */
export class OciReader {
  private readonly override: Repository | undefined;

  constructor(
    private readonly client: RegistryClient,
    opts: { repository?: string } = {},
  ) {
    this.override = opts.repository ? parseRepository(opts.repository) : undefined;
  }

  target(image: ImageTarget): Repository {
    return this.override ?? parseRepository(image.repository);
  }

  /** `registry/repo:sha256-<hex>.sig` and `.att`, and the referrers tag-schema name (triangulate). */
  locations(image: ImageTarget): { signatures: string; attestations: string; referrers: string } {
    const name = repositoryName(this.target(image));
    return {
      signatures: `${name}:${cosignTag(image.digest, 'sig')}`,
      attestations: `${name}:${cosignTag(image.digest, 'att')}`,
      referrers: `${repositoryName(parseRepository(image.repository))}@${image.digest}`,
    };
  }

  signatures(image: ImageTarget): Promise<StoredLayer[]> {
    return this.layers(this.target(image), cosignTag(image.digest, 'sig'));
  }

  attestations(image: ImageTarget): Promise<StoredLayer[]> {
    return this.layers(this.target(image), cosignTag(image.digest, 'att'));
  }

  /** Layers of the manifest at `tag`, each blob fetched and digest-checked; [] when the tag is absent. */
  async layers(repo: Repository, tag: string): Promise<StoredLayer[]> {
    const m = await this.client.getManifestIfExists(repo, tag);
    if (!m) return [];
    const manifest = parseImageManifest(m.bytes, `${repositoryName(repo)}:${tag}`);
    const out: StoredLayer[] = [];
    for (const l of manifest.layers)
      out.push({ ...this.fields(l), bytes: await this.client.getBlob(repo, l.digest) });
    return out;
  }

  private fields(l: Descriptor): Omit<StoredLayer, 'bytes'> {
    return { mediaType: l.mediaType, digest: l.digest, annotations: l.annotations ?? {} };
  }

  /** Sigstore bundle referrers of the image (OCI 1.1 API or tag-schema fallback). */
  async bundles(image: ImageTarget): Promise<StoredBundle[]> {
    const repo = parseRepository(image.repository);
    const out: StoredBundle[] = [];
    for (const d of await this.client.referrers(repo, image.digest, BUNDLE_V03_MEDIA_TYPE)) {
      const m = await this.client.getManifest(repo, d.digest);
      const manifest = parseImageManifest(m.bytes, `referrer ${d.digest}`);
      const [bundleLayer, payloadLayer] = manifest.layers;
      if (!bundleLayer || bundleLayer.mediaType !== BUNDLE_V03_MEDIA_TYPE) continue;
      out.push({
        manifestDigest: d.digest,
        annotations: manifest.annotations ?? {},
        bundle: await this.client.getBlob(repo, bundleLayer.digest),
        ...(payloadLayer ? { payload: await this.client.getBlob(repo, payloadLayer.digest) } : {}),
      });
    }
    return out;
  }
}
