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
