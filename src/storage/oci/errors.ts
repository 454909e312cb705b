import { ChainsError } from '../../core/errors.ts';

export type OciStorageErrorCode = 'TOO_MANY_LAYERS' | 'BAD_SUBJECT' | 'BAD_RECORD';

export class OciStorageError extends ChainsError<OciStorageErrorCode> {}
