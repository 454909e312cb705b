import { existsSync, readFileSync, statSync } from 'node:fs';
import { KeylessError } from './errors.ts';

/**
 * The identity token, as cosign takes it (cmd/cosign/cli/options/fulcio.go, ReadIdentityToken): `--identity-token`
 * is a path when such a file exists, else the token text; without the flag, SIGSTORE_ID_TOKEN.
 */
export function resolveIdentityToken(flag: string | undefined, env = process.env): string {
  const raw = flag ?? env.SIGSTORE_ID_TOKEN;
  if (!raw)
    throw new KeylessError(
      'KEYLESS_TOKEN',
      'keyless signing needs an identity token: --identity-token (token or file) or SIGSTORE_ID_TOKEN',
    );
  const text = existsSync(raw) && statSync(raw).isFile() ? readFileSync(raw, 'utf8') : raw;
  const token = text.trim();
  if (token.split('.').length !== 3)
    throw new KeylessError('KEYLESS_TOKEN', 'the identity token is not a compact JWS (three parts)');
  return token;
}

/**
 * The name the proof of possession signs: the email when the token has one, else `sub` (cosign's
 * oauthflow.SubjectFromUnverifiedToken; Fulcio checks the same name).
 */
export function tokenSubject(token: string): string {
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
  } catch (e) {
    throw new KeylessError('KEYLESS_TOKEN', 'the identity token payload is not JSON', { cause: e });
  }
  const c = (typeof claims === 'object' && claims !== null ? claims : {}) as Record<string, unknown>;
  const name = typeof c.email === 'string' && c.email ? c.email : c.sub;
  if (typeof name !== 'string' || !name)
    throw new KeylessError('KEYLESS_TOKEN', 'the identity token has neither an email nor a sub claim');
  return name;
}
