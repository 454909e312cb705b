import { ChainsError } from '../core/errors.ts';

/** Codes raised while reading Tekton runs. */
export type ModelErrorCode =
  'INVALID_RUN' | 'UNSUPPORTED_KIND' | 'RUN_NOT_DONE' | 'MISSING_CHILD' | 'INVALID_YAML';

export class ModelError extends ChainsError<ModelErrorCode> {}
