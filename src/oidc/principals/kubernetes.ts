import type { Claims, Principal } from '../types.ts';
import { stringClaim } from './claims.ts';

function field(v: unknown, key: string): unknown {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>)[key] : undefined;
}

function segment(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/**
 * Fulcio pkg/identity/kubernetes: SAN URI built from the `kubernetes.io` claim (missing values leave empty
 * segments, as upstream), PoP and extension 1.24 use `sub` (https://github.com/sigstore/fulcio/blob/main/docs/oidc.md).
 */
export function kubernetesPrincipal(claims: Claims): Principal {
  const sub = stringClaim(claims, 'sub');
  const k = claims['kubernetes.io'];
  const ns = segment(field(k, 'namespace'));
  const sa = segment(field(field(k, 'serviceaccount'), 'name'));
  return {
    type: 'kubernetes',
    name: sub,
    san: { kind: 'uri', value: `https://kubernetes.io/namespaces/${ns}/serviceaccounts/${sa}` },
    issuer: claims.iss,
    subject: sub,
  };
}
