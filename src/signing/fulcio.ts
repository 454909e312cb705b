import { EphemeralSigner } from './ephemeral.ts';
import { SigningError } from './errors.ts';
import { readTokenFile } from './identity-token.ts';
import type { SignerFactory } from './registry.ts';

/** `signers.x509.fulcio.*` (https://tekton.dev/docs/chains/config/; pkg/config/config.go X509Signer). */
export interface FulcioOptions {
  enabled: boolean;
  address: string;
  /** passed by Chains to cosign, which does not use it with a token at hand; recorded for the operator */
  issuer: string;
  /** the token provider; unset tries every provider (here: the filesystem one) */
  provider?: string;
}

/** The x509 signer's keyless settings: Fulcio, and `signers.x509.identity.token.file`. */
export interface X509SignerOptions {
  fulcio: FulcioOptions;
  identityTokenFile?: string;
}

export const DEFAULT_FULCIO_ADDRESS = 'https://fulcio.sigstore.dev';
export const DEFAULT_FULCIO_ISSUER = 'https://oauth2.sigstore.dev/auth';
/** cosign's filesystem provider (pkg/providers/filesystem): where Chains' projected token volume is mounted. */
export const DEFAULT_TOKEN_FILE = '/var/run/sigstore/cosign/oidc-token';
/** The providers this implementation has: cosign's `filesystem` and Chains' `filesystem-custom-path`. */
export const TOKEN_PROVIDERS = ['filesystem', 'filesystem-custom-path'] as const;

/** Chains' provider choice (pkg/chains/signing/x509): identity.token.file forces the custom path. */
export function tokenFileOf(x509: X509SignerOptions): string {
  const provider = x509.fulcio.provider?.trim() ?? '';
  if (provider && !(TOKEN_PROVIDERS as readonly string[]).includes(provider))
    throw new SigningError(
      'KEYLESS_PROVIDER',
      `signers.x509.fulcio.provider: "${provider}" is not available in this implementation (use ${TOKEN_PROVIDERS.join(' or ')})`,
    );
  if (provider === 'filesystem-custom-path' && !x509.identityTokenFile)
    throw new SigningError(
      'KEYLESS_PROVIDER',
      'signers.x509.fulcio.provider filesystem-custom-path needs signers.x509.identity.token.file',
    );
  return x509.identityTokenFile || DEFAULT_TOKEN_FILE;
}

/**
 * Chains' `x509` signer with `signers.x509.fulcio.enabled`: the identity token from its file (read afresh, an
 * expired one refused), a new P-256 key, its certificate from Fulcio. How long one is kept is the caller's
 * choice (the controller reuses it until near notAfter); the key never outlives the certificate.
 */
export const fulcioSigner: SignerFactory = {
  name: 'fulcio',
  async load({ x509, now }) {
    if (!x509?.fulcio.enabled)
      throw new SigningError('KEYLESS_FULCIO', 'keyless signing needs signers.x509.fulcio.enabled: true');
    const token = readTokenFile(tokenFileOf(x509), (now ?? Date.now)());
    return EphemeralSigner.certify(x509.fulcio.address, token);
  },
};
