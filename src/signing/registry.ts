import { SigningError } from './errors.ts';
import { fulcioSigner, type X509SignerOptions } from './fulcio.ts';
import type { Signer } from './signer.ts';
import { x509Signer } from './x509.ts';

/** The files of the `signing-secrets` Secret (https://tekton.dev/docs/chains/config/): `cosign.key`, `cosign.password`, `x509.pem`, … */
export type SigningSecretData = Readonly<Record<string, Buffer | undefined>>;

/** What a signer is built from. */
export interface SignerContext {
  secret: SigningSecretData | undefined;
  /** `signers.x509.*` of chains-config (keyless) */
  x509?: X509SignerOptions;
  /** the clock token expiry is checked against (tests) */
  now?: () => number;
}

/** One role: build a signer of one kind from its context (the named signer `artifacts.*.signer` selects). */
export interface SignerFactory {
  readonly name: string;
  load(ctx: SignerContext): Promise<Signer>;
}

/** Every signer this implementation provides. A name without a factory below is a compile error. */
export const SIGNER_NAMES = ['x509', 'fulcio'] as const;
export type SignerName = (typeof SIGNER_NAMES)[number];

/** The signer registry (docs/extending.md): one line per signer; each runs src/signing/contract.ts. */
export const SIGNERS = {
  x509: x509Signer,
  fulcio: fulcioSigner,
} as const satisfies Record<SignerName, SignerFactory>;

/**
 * The names `artifacts.*.signer` takes, as upstream Chains: `fulcio` is not one, it is what `x509` means with
 * `signers.x509.fulcio.enabled` (pkg/chains/signing/x509/x509.go takes the keyless path before any key file).
 */
export const CONFIG_SIGNER_NAMES = ['x509'] as const satisfies readonly SignerName[];
export type ConfigSignerName = (typeof CONFIG_SIGNER_NAMES)[number];

/** The registry entry a configured name selects under the current `signers.x509.*`. */
export function registrySignerFor(choice: SignerName, x509: X509SignerOptions | undefined): SignerName {
  return choice === 'x509' && x509?.fulcio.enabled ? 'fulcio' : choice;
}

/** Names upstream Chains accepts that this implementation refuses, with what to use instead (pkg/config). */
export const REFUSED_SIGNERS = {
  kms: 'use x509 with signing-secrets',
} as const satisfies Record<string, string>;
export type RefusedSignerName = keyof typeof REFUSED_SIGNERS;

/** `artifacts.*.signer: none` turns the artifact type off (Chains' Artifact.Enabled()). */
export const NO_SIGNER = 'none' as const;

/** Every value `artifacts.*.signer` may hold, as Chains validates it. */
export const SIGNER_CHOICES = [
  ...CONFIG_SIGNER_NAMES,
  ...(Object.keys(REFUSED_SIGNERS) as RefusedSignerName[]),
  NO_SIGNER,
] as const;

export function isSignerName(name: string): name is SignerName {
  return (SIGNER_NAMES as readonly string[]).includes(name);
}

export function isConfigSignerName(name: string): name is ConfigSignerName {
  return (CONFIG_SIGNER_NAMES as readonly string[]).includes(name);
}

/** The factory for a name; UNSUPPORTED_SIGNER for upstream names we refuse, UNKNOWN_SIGNER otherwise. */
export function signerFactory(name: string): SignerFactory {
  if (isSignerName(name)) return SIGNERS[name];
  if (Object.hasOwn(REFUSED_SIGNERS, name))
    throw new SigningError(
      'UNSUPPORTED_SIGNER',
      `signer "${name}" is not available in this implementation (${REFUSED_SIGNERS[name as RefusedSignerName]})`,
    );
  throw new SigningError(
    'UNKNOWN_SIGNER',
    `unknown signer "${name}" (expected one of ${SIGNER_NAMES.join(', ')})`,
  );
}

/** The one way to build a signer by name (CLI and controller alike). */
export function loadSigner(name: string, ctx: SignerContext): Promise<Signer> {
  return signerFactory(name).load(ctx);
}
