import { errors as joseErrors, jwtVerify } from 'jose';
import { lookupIssuer } from './config.ts';
import { discover } from './discovery.ts';
import type { DiscoveryOptions, RemoteIssuer } from './discovery.ts';
import { OidcError } from './errors.ts';
import { fetcherFor } from './fetch.ts';
import { principalFor } from './principals/index.ts';
import type { Claims, IssuerConfig, IssuersConfig, Principal } from './types.ts';

export interface VerifierOptions extends Partial<DiscoveryOptions> {
  /** Allowed clock skew for `nbf` in seconds (go-oidc: 5 minutes); `exp` gets none, as in Fulcio. */
  notBeforeSkewSec?: number;
  /** Most meta-issuer verifiers kept (Fulcio: an LRU of 100). */
  maxCachedIssuers?: number;
}

const MAX_TOKEN_BYTES = 64 * 1024;

/** `iss` read before any verification (Fulcio extractIssuerURL: exactly two dots, base64url payload). */
export function unverifiedIssuer(token: string): string {
  const parts = token.split('.');
  if (token.length > MAX_TOKEN_BYTES || parts.length !== 3)
    throw new OidcError('OIDC_MALFORMED', 'oidc: malformed jwt, expected 3 parts');
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString('utf8'));
  } catch (e) {
    throw new OidcError('OIDC_MALFORMED', 'oidc: malformed jwt payload', { cause: e });
  }
  const iss = (payload as { iss?: unknown } | null)?.iss;
  if (typeof iss !== 'string') throw new OidcError('OIDC_MALFORMED', 'oidc: token has no "iss" claim');
  return iss;
}

/** Map jose's verification errors to the reason a client can act on. */
function reason(e: unknown, cfg: IssuerConfig): OidcError {
  if (e instanceof OidcError) return e;
  if (e instanceof joseErrors.JWTExpired)
    return new OidcError('OIDC_EXPIRED', 'oidc: token is expired', { cause: e });
  if (e instanceof joseErrors.JWTClaimValidationFailed) {
    const c = e.claim;
    if (c === 'aud')
      return new OidcError('OIDC_AUDIENCE', `oidc: expected audience "${cfg.clientId}"`, { cause: e });
    if (c === 'nbf')
      return new OidcError('OIDC_NOT_YET_VALID', 'oidc: current time before the nbf (not before) time', {
        cause: e,
      });
    if (c === 'exp') return new OidcError('OIDC_EXPIRED', 'oidc: token has no expiry', { cause: e });
    if (c === 'iss')
      return new OidcError('OIDC_UNKNOWN_ISSUER', 'oidc: id token issued by a different provider', {
        cause: e,
      });
    return new OidcError('OIDC_CLAIMS', `oidc: claim "${c}" is invalid: ${e.reason}`, { cause: e });
  }
  if (
    e instanceof joseErrors.JWKSTimeout ||
    (e instanceof joseErrors.JOSEError && e.code === 'ERR_JOSE_GENERIC')
  )
    return new OidcError('OIDC_DISCOVERY', `oidc: cannot fetch the issuer's keys: ${e.message}`, {
      cause: e,
    });
  if (e instanceof joseErrors.JWSInvalid || e instanceof joseErrors.JWTInvalid)
    return new OidcError('OIDC_MALFORMED', `oidc: malformed jwt: ${e.message}`, { cause: e });
  if (e instanceof joseErrors.JWKSInvalid)
    return new OidcError('OIDC_DISCOVERY', "oidc: the issuer's JWKS is invalid", { cause: e });
  if (e instanceof joseErrors.JOSEError)
    return new OidcError('OIDC_SIGNATURE', `oidc: failed to verify signature: ${e.message}`, { cause: e });
  return new OidcError('OIDC_DISCOVERY', `oidc: ${(e as Error).message}`, { cause: e });
}

/** Verifies identity tokens against the configured issuers (Fulcio identity.Authorize + principal). */
export class TokenVerifier {
  readonly config: IssuersConfig;
  private readonly o: DiscoveryOptions & { skew: number; max: number };
  private readonly remotes = new Map<string, Promise<RemoteIssuer>>();

  constructor(config: IssuersConfig, opts: VerifierOptions = {}) {
    this.config = config;
    this.o = {
      timeoutMs: opts.timeoutMs ?? 10_000,
      jwksCooldownMs: opts.jwksCooldownMs ?? 1_000,
      jwksMaxAgeMs: opts.jwksMaxAgeMs ?? 10 * 60_000,
      skew: opts.notBeforeSkewSec ?? 300,
      max: opts.maxCachedIssuers ?? 100,
    };
  }

  /** Discovery once per issuer; a failed discovery is retried by the next token. */
  private remote(cfg: IssuerConfig): Promise<RemoteIssuer> {
    const url = cfg.issuerUrl;
    let p = this.remotes.get(url);
    if (!p) {
      if (this.remotes.size >= this.o.max) this.remotes.delete(this.remotes.keys().next().value ?? '');
      p = discover(url, this.o, fetcherFor(cfg));
      p.catch(() => this.remotes.delete(url));
      this.remotes.set(url, p);
    }
    return p;
  }

  /** The verified principal, or an OidcError whose code names the reason. */
  async verify(token: string): Promise<Principal> {
    const iss = unverifiedIssuer(token);
    const cfg = lookupIssuer(this.config, iss);
    if (!cfg) throw new OidcError('OIDC_UNKNOWN_ISSUER', `unsupported issuer: ${iss}`);
    let claims: Claims;
    try {
      const remote = await this.remote(cfg);
      const r = await jwtVerify(token, remote.keys, {
        issuer: cfg.issuerUrl,
        audience: cfg.clientId,
        algorithms: remote.algorithms,
        requiredClaims: ['exp'],
        clockTolerance: this.o.skew,
      });
      claims = r.payload as Claims;
    } catch (e) {
      throw reason(e, cfg);
    }
    // exp gets no leeway (go-oidc: expired when exp is before now); jose applied the nbf skew to it too
    if (typeof claims.exp !== 'number' || claims.exp * 1000 < Date.now())
      throw new OidcError('OIDC_EXPIRED', 'oidc: token is expired');
    return principalFor(claims, cfg);
  }
}
