import { ChainsError } from '../core/errors.ts';

export type ConsoleErrorCode =
  | 'CONSOLE_INPUT'
  | 'CONSOLE_NOT_FOUND'
  | 'CONSOLE_TRUST'
  | 'CONSOLE_ASSETS'
  | 'CONSOLE_UPSTREAM'
  | 'CONSOLE_ADDR';

export class ConsoleError extends ChainsError<ConsoleErrorCode> {}
