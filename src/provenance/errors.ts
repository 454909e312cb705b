import { ChainsError } from '../core/errors.ts';

/** Codes raised while building provenance. */
export type ProvenanceErrorCode =
  | 'UNKNOWN_FORMAT'
  | 'INVALID_IMAGE_ID'
  | 'UNSUPPORTED_BUILD_TYPE'
  | 'INVALID_REFERENCE'
  | 'INVALID_HINT_DIGEST'
  | 'BAD_PREDICATE_TYPE'
  | 'INVALID_PREDICATE';

export class ProvenanceError extends ChainsError<ProvenanceErrorCode> {}
