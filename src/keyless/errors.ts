import { ChainsError } from '../core/errors.ts';

/**
 * Keyless signing and verification failures. Each verification check has its own code, named after the
 * check cosign performs (pkg/cosign/verify.go: chain, SCT, log entry, signature, identity).
 */
export type KeylessErrorCode =
  | 'KEYLESS_TOKEN'
  | 'KEYLESS_TLOG_REQUIRED'
  | 'KEYLESS_FULCIO'
  | 'KEYLESS_TRUSTED_ROOT'
  | 'KEYLESS_BUNDLE'
  | 'KEYLESS_POLICY'
  | 'KEYLESS_CHAIN'
  | 'KEYLESS_SCT'
  | 'KEYLESS_TLOG'
  | 'KEYLESS_TLOG_TIME'
  | 'KEYLESS_SIGNATURE'
  | 'KEYLESS_IDENTITY'
  | 'KEYLESS_ISSUER';

export class KeylessError extends ChainsError<KeylessErrorCode> {}
