import { OidcError } from '../errors.ts';
import type { Claims, IssuerConfig, Principal } from '../types.ts';
import { stringClaim } from './claims.ts';

// SPIFFE ID: spiffe://<trust domain>/<path>, lower-case trust domain, path segments of [A-Za-z0-9._-],
// no empty, "." or ".." segment, no trailing slash, no query/fragment (go-spiffe spiffeid.FromString).
const SPIFFE_ID = /^spiffe:\/\/([a-z0-9._-]+)((?:\/[A-Za-z0-9._-]+)*)$/;

function trustDomainOf(id: string): string {
  const m = SPIFFE_ID.exec(id);
  const path = m?.[2] ?? '';
  if (!m || path.split('/').some((s) => s === '.' || s === '..'))
    throw new OidcError('OIDC_CLAIMS', `invalid spiffe ID provided: ${id}`);
  return m[1] ?? '';
}

/** Fulcio pkg/identity/spiffe: `sub` is a SPIFFE ID in the configured trust domain; SAN URI = `sub`. */
export function spiffePrincipal(claims: Claims, cfg: IssuerConfig): Principal {
  const sub = stringClaim(claims, 'sub');
  const td = trustDomainOf(sub);
  if (td !== cfg.spiffeTrustDomain)
    throw new OidcError(
      'OIDC_CLAIMS',
      `spiffe ID trust domain ${td} doesn't match configured trust domain ${cfg.spiffeTrustDomain ?? ''}`,
    );
  return { type: 'spiffe', name: sub, san: { kind: 'uri', value: sub }, issuer: claims.iss, subject: sub };
}
