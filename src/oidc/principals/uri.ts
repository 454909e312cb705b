import { OidcError } from '../errors.ts';
import type { Claims, IssuerConfig, Principal } from '../types.ts';
import { isEmail, stringClaim } from './claims.ts';

/** Fulcio pkg/identity/uri: `sub` is a URI whose scheme and host equal the configured subject domain's. */
export function uriPrincipal(claims: Claims, cfg: IssuerConfig): Principal {
  const sub = stringClaim(claims, 'sub');
  if (isEmail(sub)) throw new OidcError('OIDC_CLAIMS', 'uri subject should not be an email address');
  if (!URL.canParse(sub)) throw new OidcError('OIDC_CLAIMS', `subject is not a URI: ${sub}`);
  const s = new URL(sub);
  if (!URL.canParse(cfg.subjectDomain ?? ''))
    throw new OidcError('OIDC_CONFIG', `uri issuer ${cfg.issuerUrl} has no valid subject domain`);
  const d = new URL(cfg.subjectDomain ?? '');
  if (s.protocol !== d.protocol)
    throw new OidcError(
      'OIDC_CLAIMS',
      `subject URI scheme (${s.protocol.slice(0, -1)}) must match expected domain URI scheme (${d.protocol.slice(0, -1)})`,
    );
  if (s.hostname !== d.hostname)
    throw new OidcError(
      'OIDC_CLAIMS',
      `subject hostname (${s.hostname}) must match expected domain (${d.hostname})`,
    );
  return { type: 'uri', name: sub, san: { kind: 'uri', value: sub }, issuer: claims.iss, subject: sub };
}
