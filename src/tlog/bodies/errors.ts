import { ChainsError } from '../../core/errors.ts';

/** Why a canonical log body could not be read: not JSON of a body, a kind we do not know, a field off-schema. */
export type BodyErrorCode = 'TLOG_BODY_INVALID' | 'TLOG_BODY_UNSUPPORTED';

export class BodyError extends ChainsError<BodyErrorCode> {}
