/** Typed `chains-config` (chains.md §1.1), parsed once by parse.ts; components receive only their slice. */

import type { NO_SIGNER, SignerName } from '../signing/registry.ts';

export const FORMATS = ['in-toto', 'slsa/v1', 'slsa/v2alpha3', 'slsa/v2alpha4'] as const;
export type FormatId = (typeof FORMATS)[number];

/** Every storage name Chains accepts (validation parity), and the ones this implementation provides. */
export const CHAINS_STORAGE = ['archivista', 'docdb', 'gcs', 'grafeas', 'kafka', 'oci', 'tekton'] as const;
export const AVAILABLE_STORAGE = ['local', 'oci', 'tekton'] as const;
export type StorageId = (typeof AVAILABLE_STORAGE)[number];

/** A signer from the registry in src/signing, or `none` (the artifact type is off). */
export type SignerId = SignerName | typeof NO_SIGNER;

export const BUILD_TYPES = [
  'https://tekton.dev/chains/v2/slsa',
  'https://tekton.dev/chains/v2/slsa-tekton',
] as const;
export type BuildType = (typeof BUILD_TYPES)[number];

export const ENCODING_FORMATS = ['dsse', 'sigstore-bundle'] as const;
export type EncodingFormat = (typeof ENCODING_FORMATS)[number];

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

export interface ChainsConfig {
  artifacts: ArtifactsOptions;
  storage: { oci: OciStorageOptions; local: LocalStorageOptions };
  transparency: TransparencyOptions;
  builder: BuilderOptions;
  filter: FilterOptions;
}
