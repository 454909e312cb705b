import { ChainsError } from '../core/errors.ts';

export type SigningErrorCode =
  | 'SIGNING_SECRET'
  | 'UNSUPPORTED_SIGNER'
  | 'UNKNOWN_SIGNER'
  /** keyless: no usable identity token (missing, unreadable, malformed) */
  | 'KEYLESS_TOKEN'
  /** keyless: the identity token has expired (it is never sent to the CA) */
  | 'KEYLESS_TOKEN_EXPIRED'
  /** keyless: the CA could not be reached, refused the request, or answered without a chain */
  | 'KEYLESS_FULCIO'
  /** keyless: a token provider this implementation does not have (signers.x509.fulcio.provider) */
  | 'KEYLESS_PROVIDER'
  /** keyless: a signature was asked of a key whose certificate has expired (the key is dropped) */
  | 'KEYLESS_CERT_EXPIRED';

/** A signer that cannot be built or cannot sign: no usable key or token, a refused name, an expired certificate. */
export class SigningError extends ChainsError<SigningErrorCode> {}
