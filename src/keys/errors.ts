import { ChainsError } from '../core/errors.ts';

/** Codes raised while reading, writing or using keys. */
export type KeyErrorCode =
  | 'WRONG_PASSWORD'
  | 'UNSUPPORTED_PEM_TYPE'
  | 'UNSUPPORTED_KDF_PARAMS'
  | 'UNSUPPORTED_CIPHER'
  | 'INVALID_KEY_ENVELOPE'
  | 'NOT_PKCS8'
  | 'WEAK_KEY'
  | 'EXPLICIT_CURVE_PARAMS'
  | 'UNSUPPORTED_SIGNING_ALGORITHM'
  | 'UNSUPPORTED_KEY'
  | 'INVALID_PUBLIC_KEY'
  | 'INVALID_PRIVATE_KEY';

export class KeyError extends ChainsError<KeyErrorCode> {}
