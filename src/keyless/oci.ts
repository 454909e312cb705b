import { X509Certificate } from 'node:crypto';
import { loadPublicKey } from '../keys/index.ts';
import { NoMatchingError } from '../verify/oci-errors.ts';
import type { CertificateCheck } from '../verify/tlog-hook.ts';
import {
  certificateIdentities,
  certificateIssuer,
  checkChain,
  checkIdentity,
  checkIntegratedTime,
  checkSct,
  requirePolicy,
} from './checks.ts';
import type { IdentityPolicy } from './checks.ts';
import { KeylessError } from './errors.ts';
import type { KeylessErrorCode } from './errors.ts';
import type { TrustMaterial } from './trust.ts';

export interface CertificateCheckOptions {
  /** the identity and issuer to require; absent (the console), they are read, not matched */
  policy?: IdentityPolicy;
  trust: TrustMaterial;
  ignoreSct?: boolean;
}

/**
 * verify / verify-attestation without --key: each signature's certificate (cosign's certificate annotation,
 * or the bundle's) must chain to the trusted root, carry a valid SCT, have been logged while valid, and name
 * the expected identity and issuer; its key then checks the signature and the log hook the entry's SET.
 */
export function keylessCertificateCheck(o: CertificateCheckOptions): CertificateCheck {
  if (o.policy) requirePolicy(o.policy);
  return (cert, bundle) => {
    if (!cert.certificatePem)
      throw new KeylessError('KEYLESS_CHAIN', 'signature has no certificate (signed with a key?)');
    let leaf: X509Certificate;
    try {
      leaf = new X509Certificate(cert.certificatePem);
    } catch (e) {
      throw new KeylessError('KEYLESS_CHAIN', 'the signature certificate does not parse', { cause: e });
    }
    const issuer = checkChain(leaf, o.trust);
    if (!o.ignoreSct) checkSct(leaf, issuer, o.trust);
    if (!bundle)
      throw new KeylessError('KEYLESS_TLOG', 'keyless signature without a transparency log bundle');
    checkIntegratedTime(leaf, bundle.Payload.integratedTime);
    if (o.policy) checkIdentity(leaf, o.policy);
    return loadPublicKey(leaf.publicKey.export({ type: 'spki', format: 'pem' }).toString());
  };
}

/** The keyless check a per-signature failure belongs to (the signature and log checks run in verify). */
export function keylessCodeOf(code: string | undefined): KeylessErrorCode | undefined {
  switch (code) {
    case 'SIGNATURE_MISMATCH':
    case 'INVALID_SIGNATURE':
      return 'KEYLESS_SIGNATURE';
    case 'TLOG_VERIFY':
    case 'TLOG_CHECK_FAILED':
      return 'KEYLESS_TLOG';
    default:
      return code?.startsWith('KEYLESS_') ? (code as KeylessErrorCode) : undefined;
  }
}

/**
 * Keyless verify / verify-attestation: when every signature failed the same check, the error carries that
 * check's code (cosign's message, "no matching signatures: …", is kept); otherwise it is returned unchanged.
 */
export function keylessFailure(e: unknown): unknown {
  if (!(e instanceof NoMatchingError)) return e;
  const codes = new Set(e.rejected.map((r) => keylessCodeOf(r.code)));
  const [only] = codes;
  return codes.size === 1 && only ? new KeylessError(only, e.message, { cause: e }) : e;
}

/** What a keyless signature's certificate names: its first SAN and its OIDC issuer (unverified text). */
export function certificateNames(pem: string): { identity: string; issuer?: string } {
  const leaf = new X509Certificate(pem);
  const issuer = certificateIssuer(leaf);
  return { identity: certificateIdentities(leaf)[0] ?? '', ...(issuer ? { issuer } : {}) };
}

// cosign's CertExtensionOIDCIssuer (pkg/cosign/certextensions.go)
const OIDC_ISSUER_V1 = '1.3.6.1.4.1.57264.1.1';

/** cosign verify's additions to a keyless signature's `optional` (cmd/cosign/cli/verify PrintVerification). */
export function cosignCertificateOptional(pem: string): Record<string, string> {
  const n = certificateNames(pem);
  return { Subject: n.identity, ...(n.issuer ? { Issuer: n.issuer, [OIDC_ISSUER_V1]: n.issuer } : {}) };
}
