import { createRemoteJWKSet, customFetch } from 'jose';
import type { JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import { OidcError } from './errors.ts';
import type { Fetcher } from './fetch.ts';

/** Signature algorithms go-oidc accepts; the issuer's advertised list is intersected with it. */
const SUPPORTED_ALGS = [
  'RS256',
  'RS384',
  'RS512',
  'ES256',
  'ES384',
  'ES512',
  'PS256',
  'PS384',
  'PS512',
  'EdDSA',
];

const discoverySchema = z.object({
  issuer: z.string(),
  jwks_uri: z.string().url(),
  id_token_signing_alg_values_supported: z.array(z.string()).optional(),
});

export interface RemoteIssuer {
  keys: JWTVerifyGetKey;
  algorithms: string[];
}

export interface DiscoveryOptions {
  /** Discovery and JWKS request timeout (go-oidc in Fulcio: 10 s). */
  timeoutMs: number;
  /** Least time between two JWKS fetches caused by an unknown `kid` (jose's cooldown). */
  jwksCooldownMs: number;
  /** Longest a JWKS is used before it is fetched again. */
  jwksMaxAgeMs: number;
}

async function fetchDiscovery(issuerUrl: string, timeoutMs: number, via?: Fetcher): Promise<unknown> {
  const url = `${issuerUrl.replace(/\/$/, '')}/.well-known/openid-configuration`;
  let res: Response;
  try {
    const signal = AbortSignal.timeout(timeoutMs);
    // redirects are refused: the document must come from the issuer itself (Fulcio noRedirectClient); the
    // node:https fetcher follows none
    res = via ? await via(url, { signal }) : await fetch(url, { redirect: 'error', signal });
  } catch (e) {
    throw new OidcError('OIDC_DISCOVERY', `cannot reach the issuer's discovery document ${url}`, {
      cause: e,
    });
  }
  if (res.status !== 200)
    throw new OidcError('OIDC_DISCOVERY', `discovery document ${url}: HTTP ${res.status}`);
  try {
    return await res.json();
  } catch (e) {
    throw new OidcError('OIDC_DISCOVERY', `discovery document ${url} is not JSON`, { cause: e });
  }
}

/** OpenID discovery (go-oidc NewProvider): the document's `issuer` must equal the configured URL exactly. */
export async function discover(issuerUrl: string, o: DiscoveryOptions, via?: Fetcher): Promise<RemoteIssuer> {
  const r = discoverySchema.safeParse(await fetchDiscovery(issuerUrl, o.timeoutMs, via));
  if (!r.success) throw new OidcError('OIDC_DISCOVERY', `discovery document of ${issuerUrl} is invalid`);
  if (r.data.issuer !== issuerUrl)
    throw new OidcError(
      'OIDC_DISCOVERY',
      `oidc: issuer URL provided to client (${issuerUrl}) did not match the issuer URL returned by provider (${r.data.issuer})`,
    );
  const advertised = r.data.id_token_signing_alg_values_supported ?? ['RS256'];
  const algorithms = advertised.filter((a) => SUPPORTED_ALGS.includes(a));
  if (algorithms.length === 0)
    throw new OidcError('OIDC_DISCOVERY', `issuer ${issuerUrl} advertises no supported signing algorithm`);
  const keys = createRemoteJWKSet(new URL(r.data.jwks_uri), {
    timeoutDuration: o.timeoutMs,
    cooldownDuration: o.jwksCooldownMs,
    cacheMaxAge: o.jwksMaxAgeMs,
    ...(via ? { [customFetch]: via } : {}),
  });
  return { keys, algorithms };
}
