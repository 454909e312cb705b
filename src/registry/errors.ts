import { ChainsError } from '../core/errors.ts';

/** Codes raised by the registry client and embedded server; transport errors are translated at the edge. */
export type RegistryErrorCode =
  | 'BAD_REFERENCE'
  | 'BAD_CONFIG'
  | 'CREDENTIAL_HELPER'
  | 'UNAUTHORIZED'
  | 'DENIED'
  | 'NOT_FOUND'
  | 'DIGEST_MISMATCH'
  | 'MANIFEST_TOO_LARGE'
  | 'BLOB_TOO_LARGE'
  | 'BAD_MANIFEST'
  | 'REGISTRY_UNREACHABLE'
  | 'TLS_ERROR'
  | 'REGISTRY_ERROR'
  | 'STORE_MIGRATION';

export class RegistryError extends ChainsError<RegistryErrorCode> {}
