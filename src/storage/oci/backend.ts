import { systemClock, type Clock } from '../../core/clock.ts';
import type { SignedRecord } from '../../core/signed.ts';
import { parseRepository, type Repository } from '../../registry/reference.ts';
import type { RegistryClient } from '../../registry/client.ts';
import type { ImageTarget, StorageBackend, StoreRequest, StoreResult } from '../backend.ts';
import type { OciEncoding } from './encoding.ts';
import { OciStorageError } from './errors.ts';
import {
  DSSE_MEDIA_TYPE,
  SIMPLESIGNING_MEDIA_TYPE,
  cosignTag,
  layerAnnotations,
  layerDescriptor,
} from './layout.ts';
import {
  appendLayer,
  replaceLayer,
  sameLayer,
  type AppendResult,
  type DuplicateCheck,
  type ReplaceResult,
} from './legacy.ts';
import { pushBundleReferrer } from './referrer.ts';

export interface OciStorageOptions {
  client: RegistryClient;
  encoding?: OciEncoding;
  /** Chains' `storage.oci.repository` (cosign's COSIGN_REPOSITORY): where `.sig`/`.att` tags go */
  repository?: string;
  clock?: Clock;
  /** layer dedup; default: same digest and same annotations (a retried store is a no-op) */
  isDuplicate?: DuplicateCheck;
}

const DIGEST = /^sha256:[a-f0-9]{64}$/;

/** The `oci` StorageBackend: signatures and attestations next to the image, in cosign's layout. */
export class OciStorageBackend implements StorageBackend {
  readonly type = 'oci';
  private readonly encoding: OciEncoding;
  private readonly override: Repository | undefined;

  constructor(private readonly opts: OciStorageOptions) {
    this.encoding = opts.encoding ?? 'dsse';
    this.override = opts.repository ? parseRepository(opts.repository) : undefined;
  }

  async store(req: StoreRequest): Promise<StoreResult> {
    switch (req.what) {
      case 'image-signature':
        return this.result([await this.storeOne(req.image, req.record, undefined)]);
      case 'attestation': {
        const out: AppendResult[] = [];
        // one upload per subject (https://tekton.dev/docs/chains/config/); zero subjects is not an error
        for (const s of req.subjects)
          out.push(await this.storeOne(s, req.record, req.predicateType, req.replace === true));
        return this.result(out);
      }
      case 'run-payload':
        return { backend: this.type, locations: [] };
    }
  }

  private result(r: (AppendResult | ReplaceResult)[]): StoreResult {
    const res: StoreResult = { backend: this.type, locations: r.map((x) => x.location) };
    const replacing = r.filter((x): x is ReplaceResult => 'decisions' in x);
    if (replacing.length) res.decisions = replacing.flatMap((x) => x.decisions);
    return res;
  }

  /** Where `.sig`/`.att` tags for `image` live (override or the image's own repository). */
  targetRepository(image: ImageTarget): Repository {
    return this.override ?? parseRepository(image.repository);
  }

  private async storeOne(
    image: ImageTarget,
    record: SignedRecord,
    predicateType: string | undefined,
    replace = false,
  ): Promise<AppendResult | ReplaceResult> {
    if (!DIGEST.test(image.digest)) {
      throw new OciStorageError(
        'BAD_SUBJECT',
        `${image.repository}: OCI storage needs a sha256 manifest digest, got "${image.digest}"`,
      );
    }
    const isAttestation = predicateType !== undefined;
    if (isAttestation !== (record.kind === 'dsse')) {
      throw new OciStorageError(
        'BAD_RECORD',
        `${isAttestation ? 'attestations need a DSSE' : 'image signatures need a simplesigning'} record, got ${record.kind}`,
      );
    }
    if (this.encoding === 'sigstore-bundle') {
      // referrers live next to their subject: the repository override does not apply (as in Chains)
      return pushBundleReferrer(
        this.opts.client,
        parseRepository(image.repository),
        image.digest,
        record,
        predicateType,
        this.opts.clock ?? systemClock,
      );
    }
    const repo = this.targetRepository(image);
    const bytes = record.bytes;
    const descriptor = layerDescriptor(
      isAttestation ? DSSE_MEDIA_TYPE : SIMPLESIGNING_MEDIA_TYPE,
      bytes,
      layerAnnotations(record, predicateType),
    );
    const tag = cosignTag(image.digest, isAttestation ? 'att' : 'sig');
    if (replace && predicateType !== undefined) {
      const layer = { descriptor, bytes };
      return replaceLayer(
        this.opts.client,
        repo,
        tag,
        layer,
        predicateType,
        this.opts.isDuplicate ?? sameLayer,
      );
    }
    return appendLayer(
      this.opts.client,
      repo,
      tag,
      { descriptor, bytes },
      this.opts.isDuplicate ?? sameLayer,
    );
  }
}
