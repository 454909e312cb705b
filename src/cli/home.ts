import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where the CLI keeps its own state (log database, last tree head seen): $CHAINS_HOME, else ~/.chains. */
export function chainsHome(): string {
  return process.env.CHAINS_HOME ?? join(homedir(), '.chains');
}
