import type { Claims, IssuerConfig, IssuerType, Principal } from '../types.ts';
import { emailPrincipal } from './email.ts';
import { kubernetesPrincipal } from './kubernetes.ts';
import { spiffePrincipal } from './spiffe.ts';
import { uriPrincipal } from './uri.ts';

/** One builder per issuer type (the closed list is ISSUER_TYPES in ../types.ts). */
const BUILDERS: Record<IssuerType, (claims: Claims, cfg: IssuerConfig) => Principal> = {
  email: emailPrincipal,
  kubernetes: kubernetesPrincipal,
  spiffe: spiffePrincipal,
  uri: uriPrincipal,
};

/** The certificate identity for verified claims, by the issuer's configured type. */
export function principalFor(claims: Claims, cfg: IssuerConfig): Principal {
  return BUILDERS[cfg.type](claims, cfg);
}
