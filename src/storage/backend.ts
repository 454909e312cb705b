import type { SignedRecord } from '../core/signed.ts';
import type { StorageName } from './registry.ts';

/** The run a signed object belongs to (enough for annotation keys and local paths). */
export interface RunRef {
  kind: 'TaskRun' | 'PipelineRun';
  namespace: string;
  name: string;
  uid: string;
}

/** An image by repository (no tag/digest, normalised) and manifest digest `sha256:<hex>`. */
export interface ImageTarget {
  repository: string;
  digest: string;
}

/**
 * One signed object to store. Mirrors Chains' StorePayload(obj, payload, signature, opts{ShortKey, FullKey,
 * PayloadFormat, Cert, Chain}) with a discriminated `what` instead of loosely typed options.
 */
export type StoreRequest =
  | {
      /** a signed provenance statement (DSSE envelope in record.bytes) about a run */
      what: 'attestation';
      run: RunRef;
      record: SignedRecord;
      /** statement predicateType (annotation on OCI layers) */
      predicateType: string;
      /** images among the statement's subjects: OCI stores the attestation next to each */
      subjects: ImageTarget[];
      /** Chains' short key, e.g. `taskrun-<uid>` (annotation suffix / local file name) */
      shortKey: string;
      /** payload format id (e.g. `in-toto`, `slsa/v2alpha4`) */
      format: string;
      /** cosign attest --replace: drop stored attestations of the same predicate type (OCI legacy layout) */
      replace?: boolean;
    }
  | {
      /** a simplesigning signature over an image (record.bytes = payload) */
      what: 'image-signature';
      run: RunRef;
      record: SignedRecord;
      image: ImageTarget;
      shortKey: string;
      format: 'simplesigning';
    }
  | {
      /** Chains' raw `tekton` format: the run itself, signed without an envelope */
      what: 'run-payload';
      run: RunRef;
      record: SignedRecord;
      shortKey: string;
      format: string;
    };

/** What a backend reports it stored (for logs and the CLI). */
export interface StoreResult {
  backend: string;
  locations: string[];
  /** OCI with `replace`: each existing attestation's predicate type and whether it was dropped, in layer order */
  decisions?: { predicateType: string; replaced: boolean }[];
}

/** One storage backend (oci, tekton, local, ...). Contract tests run the same suite against each. */
export interface StorageBackend {
  /** its name in the registry (src/storage/registry.ts) */
  readonly type: StorageName;
  store(req: StoreRequest): Promise<StoreResult>;
}
