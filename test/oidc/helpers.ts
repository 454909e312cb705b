import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { ChainsError } from '../../src/core/errors.ts';
import { loadOrCreateKeys } from '../../src/oidc/issuer/index.ts';

export function tempDir(prefix = 'oidc-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A token with any claims, signed by the embedded issuer's current key (for the failure cases). */
export async function signClaims(
  dir: string,
  claims: Record<string, unknown>,
  header: Record<string, unknown> = {},
): Promise<string> {
  const keys = await loadOrCreateKeys(dir);
  const key = keys[keys.length - 1];
  if (!key) throw new Error('no key');
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: key.kid, ...header })
    .sign(key.privateKey);
}

/** The code of the error `p` rejects with. */
export async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'no error';
  } catch (e) {
    return e instanceof ChainsError ? e.code : `${String(e)}`;
  }
}
