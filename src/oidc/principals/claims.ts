import { OidcError } from '../errors.ts';
import type { Claims } from '../types.ts';

/** A string claim, or a coded OIDC_CLAIMS error naming it. */
export function stringClaim(claims: Claims, name: string): string {
  const v = claims[name];
  if (typeof v !== 'string' || v === '')
    throw new OidcError('OIDC_CLAIMS', `token is missing the "${name}" claim`);
  return v;
}

/** govalidator.IsEmail's shape, close enough to refuse what is plainly not an address. */
export function isEmail(s: string): boolean {
  return /^[^\s@<>()[\]\\,;:"]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/.test(
    s,
  );
}
