import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { OidcError } from '../errors.ts';
import { loadOrCreateKeys, recordedIssuerUrl } from './store.ts';

export interface TokenRequest {
  dir: string;
  /** `sub`; defaults to `system:serviceaccount:NS:SA` with a Kubernetes service account. */
  subject?: string;
  email?: string;
  /** `NS/SA`: adds the `kubernetes.io` claim a service-account token carries. */
  kubernetesSa?: string;
  audience?: string;
  ttlSec?: number;
  /** Issuer URL; default: the one `oidc serve` recorded in dir. */
  issuer?: string;
}

function kubernetesClaim(sa: string): { ns: string; name: string; claim: Record<string, unknown> } {
  const m = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-.a-z0-9]*[a-z0-9])?)$/.exec(sa);
  if (!m) throw new OidcError('OIDC_CLAIMS', `--kubernetes-sa must be NAMESPACE/SERVICEACCOUNT, got "${sa}"`);
  const ns = m[1] ?? '';
  const name = m[3] ?? '';
  return { ns, name, claim: { namespace: ns, serviceaccount: { name, uid: randomUUID() } } };
}

/**
 * A signed identity token from the embedded issuer (development, demos and tests only: anyone who can read
 * the directory can mint any identity).
 */
export async function mintToken(r: TokenRequest): Promise<string> {
  const keys = await loadOrCreateKeys(r.dir);
  const key = keys[keys.length - 1];
  if (!key) throw new OidcError('OIDC_ISSUER_STATE', `no signing key in ${r.dir}`);
  const claims: Record<string, unknown> = {};
  let sub = r.subject;
  if (r.kubernetesSa) {
    const k = kubernetesClaim(r.kubernetesSa);
    claims['kubernetes.io'] = k.claim;
    sub ??= `system:serviceaccount:${k.ns}:${k.name}`;
  }
  if (r.email) Object.assign(claims, { email: r.email, email_verified: true });
  if (!sub) throw new OidcError('OIDC_CLAIMS', 'a subject is required (--subject, or --kubernetes-sa)');
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' })
    .setIssuer(r.issuer ?? recordedIssuerUrl(r.dir))
    .setSubject(sub)
    .setAudience(r.audience ?? 'sigstore')
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + (r.ttlSec ?? 600))
    .sign(key.privateKey);
}
