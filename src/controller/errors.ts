import { ChainsError } from '../core/errors.ts';

export type ControllerErrorCode =
  | 'PAYLOAD_CREATION'
  | 'SIGNING'
  | 'TLOG'
  | 'STORAGE'
  | 'NO_BACKEND'
  | 'NOTHING_SIGNED'
  | 'INVALID_RUN'
  | 'KUBE_API'
  | 'LOCAL_RUN_FILE'
  | 'SIGNING_SECRET'
  | 'INVALID_FLAG';

export class ControllerError extends ChainsError<ControllerErrorCode> {}
