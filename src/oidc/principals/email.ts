import { OidcError } from '../errors.ts';
import type { Claims, IssuerConfig, Principal } from '../types.ts';
import { isEmail, stringClaim } from './claims.ts';

/** email_verified as Fulcio reads it (oauthflow stringAsBool): JSON true or "true"/"True". */
function verified(v: unknown): boolean {
  if (v === true || v === 'true' || v === 'True') return true;
  if (v === undefined || v === false || v === 'false' || v === 'False') return false;
  throw new OidcError('OIDC_CLAIMS', 'invalid value for the "email_verified" claim');
}

/** `$.a.b` against the claims (Fulcio IssuerFromIDToken with a JSONPath; only plain member paths). */
function claimPath(claims: Claims, path: string): string {
  let v: unknown = claims;
  for (const key of path.split('.').slice(1)) v = v && typeof v === 'object' ? (v as Claims)[key] : undefined;
  if (v === undefined || v === null || typeof v === 'object')
    throw new OidcError('OIDC_CLAIMS', `token has no value at issuer-claim path ${path}`);
  return String(v as string | number | boolean);
}

/** Fulcio pkg/identity/email: SAN rfc822Name = email; PoP signs the email. */
export function emailPrincipal(claims: Claims, cfg: IssuerConfig): Principal {
  const email = stringClaim(claims, 'email');
  if (!cfg.skipEmailVerification && !verified(claims.email_verified))
    throw new OidcError('OIDC_EMAIL_UNVERIFIED', 'email_verified claim was false');
  if (!isEmail(email)) throw new OidcError('OIDC_CLAIMS', 'email address is not valid');
  const sub = typeof claims.sub === 'string' ? claims.sub : '';
  return {
    type: 'email',
    name: email,
    san: { kind: 'email', value: email },
    issuer: cfg.issuerClaim ? claimPath(claims, cfg.issuerClaim) : claims.iss,
    subject: sub,
  };
}
