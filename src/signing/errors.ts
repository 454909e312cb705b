import { ChainsError } from '../core/errors.ts';

export type SigningErrorCode = 'SIGNING_SECRET' | 'UNSUPPORTED_SIGNER' | 'UNKNOWN_SIGNER';

/** A signer that cannot be built: no usable key in the secret, or a signer name this implementation refuses. */
export class SigningError extends ChainsError<SigningErrorCode> {}
