import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { credentialHelperRunner } from '../registry/cred-helper.ts';
import { dockerConfigKeychain } from '../registry/docker-config.ts';
import type { Keychain } from '../registry/keychain.ts';
import { readText } from './io.ts';

/**
 * The docker config keychain every command shares (ggcr authn.DefaultKeychain): `$DOCKER_CONFIG/config.json`,
 * else `~/.docker/config.json`; `credHelpers` / `credsStore` run `docker-credential-<name>` found on this
 * process's PATH. Undefined when there is no file; a malformed one fails with BAD_CONFIG. Only the CLI reads env.
 */
export function dockerKeychain(env: NodeJS.ProcessEnv = process.env): Keychain | undefined {
  const dir = env.DOCKER_CONFIG || join(env.HOME || homedir(), '.docker');
  const path = join(dir, 'config.json');
  if (!existsSync(path)) return undefined;
  return dockerConfigKeychain(readText(path, 'docker config'), path, {
    helpers: credentialHelperRunner({ env }),
  });
}
