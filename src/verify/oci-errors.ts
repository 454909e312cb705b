import { ChainsError } from '../core/errors.ts';

/** Outcomes of image/attestation verification that are not a single bad signature. */
export type OciVerifyErrorCode =
  | 'NO_SIGNATURES'
  | 'NO_MATCHING_SIGNATURES'
  | 'NO_ATTESTATIONS'
  | 'NO_MATCHING_ATTESTATIONS'
  | 'PREDICATE_TYPE_MISMATCH'
  | 'CLAIMS_MISMATCH'
  | 'TLOG_CHECK_FAILED';

export class OciVerifyError extends ChainsError<OciVerifyErrorCode> {}
