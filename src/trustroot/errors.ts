import { ChainsError } from '../core/errors.ts';

export type TrustRootErrorCode = 'TRUSTROOT_FETCH' | 'TRUSTROOT_INVALID';

export class TrustRootError extends ChainsError<TrustRootErrorCode> {}
