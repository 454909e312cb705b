import { ChainsError } from '../core/errors.ts';

export type ConfigErrorCode = 'INVALID_CONFIG' | 'UNSUPPORTED_CONFIG' | 'CONFIG_FILE';

/** Bad `chains-config` content: the message names the key and what was wanted (https://tekton.dev/docs/chains/config/). */
export class ConfigError extends ChainsError<ConfigErrorCode> {}
