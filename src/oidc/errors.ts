import { ChainsError } from '../core/errors.ts';

/** Why a token or an issuer configuration was refused; each maps to one reason a client can act on. */
export type OidcErrorCode =
  | 'OIDC_MALFORMED' // not a compact JWS with a JSON payload
  | 'OIDC_UNKNOWN_ISSUER' // `iss` matches no configured issuer
  | 'OIDC_DISCOVERY' // the issuer's discovery document or JWKS could not be read
  | 'OIDC_SIGNATURE' // no published key verifies the signature (or the algorithm is not allowed)
  | 'OIDC_AUDIENCE' // `aud` does not contain the configured client ID
  | 'OIDC_EXPIRED' // `exp` is in the past (or missing)
  | 'OIDC_NOT_YET_VALID' // `nbf` is beyond the allowed clock skew
  | 'OIDC_EMAIL_UNVERIFIED' // email issuer, `email_verified` not true
  | 'OIDC_CLAIMS' // claims the issuer type needs are missing or wrong
  | 'OIDC_CONFIG' // the issuer configuration file is invalid
  | 'OIDC_ISSUER_STATE'; // the embedded issuer's directory is missing or unreadable

export class OidcError extends ChainsError<OidcErrorCode> {}
