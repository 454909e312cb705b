import type { Rejection } from './oci-common.ts';
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

/** No signature (attestation) verified: each rejected one with its reason and code. */
export class NoMatchingError extends OciVerifyError {
  constructor(
    code: 'NO_MATCHING_SIGNATURES' | 'NO_MATCHING_ATTESTATIONS',
    message: string,
    readonly rejected: readonly Rejection[],
  ) {
    super(code, message);
  }
}
