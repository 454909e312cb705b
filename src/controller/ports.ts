import type { RekorBundle, SignedRecord } from '../core/signed.ts';
import type { ImageTarget, RunRef, StorageBackend } from '../storage/backend.ts';
import type { Signer, SignerName } from '../signing/index.ts';

/**
 * The roles the orchestrator is given through its constructor. It never cares which implementation it gets:
 * Kubernetes or a local directory, a key file or a Secret, our log or Rekor.
 */

/** A run as it crosses the wire (`kubectl get -o json`): parsed into the model only when building payloads. */
export interface RunDoc {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
    finalizers?: string[];
    /** set by the API server on DELETE while finalizers remain */
    deletionTimestamp?: string;
    [k: string]: unknown;
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  [k: string]: unknown;
}

/** Reads the freshest copy of a run and writes `chains.tekton.dev/*` annotations onto it. */
export interface RunAccess {
  /** the latest version (re-fetched, so a run signed meanwhile is not signed twice); undefined when deleted */
  latest(run: RunRef): Promise<RunDoc | undefined>;
  /** merge `annotations` into the run; a `null` value removes the key */
  writeAnnotations(run: RunRef, annotations: Record<string, string | null>): Promise<void>;
}

/**
 * Chains' finalizer on a run (Kubernetes only): added before a run is signed so it cannot be deleted unsigned,
 * removed once it is handled, or when it can no longer be signed.
 */
export interface RunFinalizers {
  /** add the kind's finalizer unless present, or the run is being deleted or gone */
  hold(doc: RunDoc): Promise<RunDoc>;
  /** remove ours (and the legacy one) when present */
  release(doc: RunDoc): Promise<void>;
}

/**
 * The current signer of a registry name (`artifacts.*.signer`); reloaded when the signing secret changes. Rejects
 * when no usable key is configured.
 */
export interface SignerSource {
  current(name: SignerName): Promise<Signer>;
}

/** One entry in the transparency log, enough for the annotation and the OCI bundle. */
export interface UploadedEntry {
  uuid: string;
  logIndex: number;
  bundle?: RekorBundle;
  /** false when the log already had it (409) */
  created: boolean;
}

/** A log entry found by payload digest, already checked (ID = leaf hash, SET with the log key). */
export interface LoggedEntry {
  entry: UploadedEntry;
  /** the canonical leaf body (https://github.com/sigstore/rekor/blob/main/openapi.yaml): kind, signatures and verifiers */
  body: Buffer;
}

/** Uploads signed records: DSSE envelopes as `dsse`, simplesigning/raw as `hashedrekord` (https://tekton.dev/docs/chains/config/). */
export interface TransparencyUploader {
  readonly url: string;
  upload(record: SignedRecord): Promise<UploadedEntry>;
  /**
   * entries whose payload (dsse) or artifact (hashedrekord) has this digest (bare sha256 hex, or
   * `sha384:<hex>` / `sha512:<hex>`): a retry after a restart reuses them
   */
  findByPayload?(digest: string): Promise<LoggedEntry[]>;
}

/** Storage backends for one run by configured name (the OCI one carries that run's registry credentials). */
export type BackendResolver = (run: RunDoc) => Promise<ReadonlyMap<string, StorageBackend>>;

/** Every manifest below an image index (nested ones too), for the run's registry credentials; [] for an image. */
export type IndexChildren = (run: RunDoc, image: ImageTarget) => Promise<ImageTarget[]>;
