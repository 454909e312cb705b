import { ChainsError } from '../../core/errors.ts';

/** Codes for SCT, certificate-structure and CT-entry problems (RFC 6962). */
export type CtErrorCode =
  | 'CT_DER_INVALID'
  | 'CT_SCT_INVALID'
  | 'CT_SCT_UNKNOWN_LOG'
  | 'CT_SCT_SIGNATURE'
  | 'CT_SCT_MISSING'
  | 'CT_PRECERT_INVALID'
  | 'CT_LOG_UNAVAILABLE'
  | 'CT_LOG_REJECTED';

export class CtError extends ChainsError<CtErrorCode> {}
