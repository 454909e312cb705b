/** Typed `chains-config` (https://tekton.dev/docs/chains/config/), parsed once by parse.ts; components receive only their slice. */

import type { FormatId } from '../provenance/format-ids.ts';
import type { BuildType } from '../provenance/options.ts';
import type { X509SignerOptions } from '../signing/fulcio.ts';
import type { NO_SIGNER, SignerName } from '../signing/registry.ts';
import type { OciEncoding } from '../storage/oci/encoding.ts';
import type { StorageName } from '../storage/registry.ts';

export type { FormatId } from '../provenance/format-ids.ts';
export type { BuildType } from '../provenance/options.ts';
/** A backend from the registry in src/storage. */
export type StorageId = StorageName;

/** A signer from the registry in src/signing, or `none` (the artifact type is off). */
export type SignerId = SignerName | typeof NO_SIGNER;

/** `storage.oci.encoding-format`, from the oci backend's list. */
export type EncodingFormat = OciEncoding;

export interface ArtifactOptions<F extends string = FormatId> {
  format: F;
  /** backends to store in, deduplicated, in the order given */
  storage: StorageId[];
  signer: SignerId;
  /** `signer: none` disables the artifact type entirely (as Chains' Enabled()) */
  enabled: boolean;
}

export interface ArtifactsOptions {
  taskrun: ArtifactOptions;
  pipelinerun: ArtifactOptions & { deepInspection: boolean };
  /**
   * `signIndexChildren` (ours, `artifacts.oci.sign-index-children`; Chains has no such key, tektoncd/chains#1070):
   * an image index is signed and attested, and so is every manifest below it
   */
  oci: ArtifactOptions<'simplesigning'> & { signIndexChildren: boolean };
}

export interface OciStorageOptions {
  repository?: string;
  insecure: boolean;
  encodingFormat: EncodingFormat;
}

export interface LocalStorageOptions {
  /** directory of the `local` backend (our extension; default chosen by the CLI) */
  dir?: string;
}

export type TransparencyMode = 'off' | 'on' | 'manual';

export interface TransparencyOptions {
  mode: TransparencyMode;
  url: string;
}

export interface BuilderOptions {
  builderId: string;
  buildType: BuildType;
}

export interface FilterOptions {
  /** extra `spec.managedBy` values processed besides unset/empty/`tekton.dev/pipeline` */
  managedBy: string[];
}

/** `signers.*`: the x509 signer's keyless settings (https://tekton.dev/docs/chains/config/). */
export interface SignersOptions {
  x509: X509SignerOptions;
}

export interface ChainsConfig {
  artifacts: ArtifactsOptions;
  signers: SignersOptions;
  storage: { oci: OciStorageOptions; local: LocalStorageOptions };
  transparency: TransparencyOptions;
  builder: BuilderOptions;
  filter: FilterOptions;
}
