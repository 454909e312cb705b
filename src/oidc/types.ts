/** Issuer types this CA understands, as Fulcio names them (https://github.com/sigstore/fulcio/blob/main/docs/oidc.md); implementations in principals/. */
export const ISSUER_TYPES = ['email', 'kubernetes', 'spiffe', 'uri'] as const;
export type IssuerType = (typeof ISSUER_TYPES)[number];

/** One configured issuer (Fulcio's OIDCIssuer, the fields that apply to these types). */
export interface IssuerConfig {
  issuerUrl: string;
  clientId: string;
  type: IssuerType;
  /** `uri` type: scheme and host the `sub` must have. */
  subjectDomain?: string;
  /** `spiffe` type: the trust domain of the `sub` SPIFFE ID. */
  spiffeTrustDomain?: string;
  /** `email` type: a `$.a.b` path to the claim that replaces `iss` in the issuer extension. */
  issuerClaim?: string;
  /** `email` type: accept tokens without `email_verified`. */
  skipEmailVerification?: boolean;
  challengeClaim?: string;
  /** PEM roots for TLS to this issuer (discovery and JWKS), instead of the system's. */
  caCert?: string;
  description?: string;
  contact?: string;
}

/** A meta issuer: a URL pattern whose `*` stands for one `[-_a-zA-Z0-9]+` run (Fulcio MetaRegex). */
export interface MetaIssuer {
  pattern: string;
  regex: RegExp;
  issuer: Omit<IssuerConfig, 'issuerUrl'>;
}

export interface IssuersConfig {
  issuers: ReadonlyMap<string, IssuerConfig>;
  meta: readonly MetaIssuer[];
}

/** The verified identity a certificate is made for. */
export interface Principal {
  type: IssuerType;
  /** The string the proof of possession signs (Fulcio `Principal.Name`): email for email, else `sub`. */
  name: string;
  /** The one SAN of the certificate. */
  san: { kind: 'email' | 'uri'; value: string };
  /** Value of the issuer extensions 1.1 and 1.8 (the token's `iss`, or the `issuerClaim` result). */
  issuer: string;
  /** Value of the token-subject extension 1.24 (the raw `sub`). */
  subject: string;
}

/** Claims of a verified token, as the principal builders see them. */
export type Claims = Record<string, unknown> & { iss: string; sub?: unknown };
