import { X509Certificate } from 'node:crypto';
import type { SignerIdentity } from '../core/signed.ts';
import { certificateExtensions, verifyEmbeddedScts } from '../ctlog/sct/index.ts';
import { KeylessError } from './errors.ts';
import type { TrustMaterial, TrustedCa } from './trust.ts';

/** What a keyless signature must be bound to (cosign's --certificate-identity[-regexp] and issuer flags). */
export interface IdentityPolicy {
  identity?: string;
  identityRegexp?: string;
  issuer?: string;
  issuerRegexp?: string;
}

const inside = (t: Date, start?: Date, end?: Date): boolean => (!start || t >= start) && (!end || t <= end);

function chainHolds(leaf: X509Certificate, ca: TrustedCa, at: Date): boolean {
  const certs = [leaf, ...ca.chain];
  for (let i = 0; i + 1 < certs.length; i++) {
    const [child, parent] = [certs[i] as X509Certificate, certs[i + 1] as X509Certificate];
    if (!child.checkIssued(parent) || !child.verify(parent.publicKey) || !parent.ca) return false;
    if (!inside(at, new Date(parent.validFrom), new Date(parent.validTo))) return false;
  }
  const root = ca.chain.at(-1);
  return !!root && root.verify(root.publicKey) && inside(at, ca.start, ca.end);
}

/**
 * Check 1: the leaf chains to a CA of the trusted root, every CA certificate valid when the leaf was issued
 * (cosign verifies the chain at the leaf's NotBefore: pkg/cosign/verify.go TrustedCert). Returns the issuer.
 */
export function checkChain(leaf: X509Certificate, trust: TrustMaterial): X509Certificate {
  const at = new Date(leaf.validFrom);
  for (const ca of trust.cas) if (chainHolds(leaf, ca, at)) return ca.chain[0] as X509Certificate;
  throw new KeylessError(
    'KEYLESS_CHAIN',
    'certificate chain check failed: x509: certificate signed by unknown authority (no CA of the trusted root issued it)',
  );
}

/** Check 2: the embedded SCT verifies with a CT log of the trusted root (cosign verifySCT). */
export function checkSct(leaf: X509Certificate, issuer: X509Certificate, trust: TrustMaterial): void {
  let count = 0;
  try {
    count = verifyEmbeddedScts(leaf.raw, issuer.raw, trust.ctlogs).length;
  } catch (e) {
    throw new KeylessError('KEYLESS_SCT', `SCT check failed: ${(e as Error).message}`, { cause: e });
  }
  if (count === 0)
    throw new KeylessError('KEYLESS_SCT', 'SCT check failed: no embedded SCT in the certificate');
}

/**
 * Signing with --trusted-root: the certificate the CA just issued must chain to the trusted root and carry a
 * valid SCT before anything is signed or logged (cosign's fulcioverifier checks the SCT the same way).
 */
export function checkIssuedCertificate(id: SignerIdentity, trust: TrustMaterial): void {
  if (id.kind !== 'certificate') throw new KeylessError('KEYLESS_FULCIO', 'the signer has no certificate');
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(id.certificatePem);
  } catch (e) {
    throw new KeylessError('KEYLESS_FULCIO', 'the certificate the CA issued does not parse', { cause: e });
  }
  checkSct(leaf, checkChain(leaf, trust), trust);
}

/** Check 3b: the log integrated the entry while the certificate was valid (cosign CheckExpiry). */
export function checkIntegratedTime(leaf: X509Certificate, integratedTime: number): void {
  const t = new Date(integratedTime * 1000);
  if (!inside(t, new Date(leaf.validFrom), new Date(leaf.validTo)))
    throw new KeylessError(
      'KEYLESS_TLOG_TIME',
      `log entry integrated at ${t.toISOString()}, outside the certificate's validity (${leaf.validFrom} – ${leaf.validTo})`,
    );
}

// Fulcio's issuer extensions (fulcio docs/oid-info.md): v2 a DER UTF8String, v1 (deprecated) the raw string
const OID = { fulcioIssuerV1: '1.3.6.1.4.1.57264.1.1', fulcioIssuerV2: '1.3.6.1.4.1.57264.1.8' } as const;

/** The string value of a Fulcio extension: v2 is a DER UTF8String, v1 the raw bytes. */
function extensionText(leaf: X509Certificate, oid: string, der: boolean): string | undefined {
  const e = certificateExtensions(leaf.raw).find((x) => x.oid === oid);
  if (!e) return undefined;
  if (!der) return e.value.toString('utf8');
  if (e.value[0] !== 0x0c) return undefined;
  const long = (e.value[1] ?? 0) & 0x80 ? (e.value[1] ?? 0) & 0x7f : 0;
  return e.value.subarray(2 + long).toString('utf8');
}

/** The OIDC issuer of a Fulcio certificate: extension 1.3.6.1.4.1.57264.1.8, else the legacy .1.1. */
export function certificateIssuer(leaf: X509Certificate): string | undefined {
  return extensionText(leaf, OID.fulcioIssuerV2, true) ?? extensionText(leaf, OID.fulcioIssuerV1, false);
}

/** The SAN values (emails, URIs, DNS names) cosign matches --certificate-identity against. */
export function certificateIdentities(leaf: X509Certificate): string[] {
  return (leaf.subjectAltName ?? '')
    .split(', ')
    .map((p) => /^(?:email|URI|DNS):(.+)$/.exec(p)?.[1])
    .filter((s): s is string => !!s);
}

const matches = (value: string, exact?: string, re?: string): boolean =>
  (exact !== undefined && value === exact) || (re !== undefined && new RegExp(re).test(value));

/** Check 5: the SAN and the issuer match the policy (cosign CheckCertificatePolicy: regexps unanchored). */
export function checkIdentity(leaf: X509Certificate, p: IdentityPolicy): void {
  const ids = certificateIdentities(leaf);
  if (!ids.some((id) => matches(id, p.identity, p.identityRegexp)))
    throw new KeylessError(
      'KEYLESS_IDENTITY',
      `none of the expected identities matched what was in the certificate, got subjects [${ids.join(', ')}]`,
    );
  const issuer = certificateIssuer(leaf) ?? '';
  if (!matches(issuer, p.issuer, p.issuerRegexp))
    throw new KeylessError('KEYLESS_ISSUER', `expected oidc issuer not found in certificate, got ${issuer}`);
}

/** cosign refuses keyless verification without an identity and an issuer to check. */
export function requirePolicy(p: IdentityPolicy): void {
  if (p.identity === undefined && p.identityRegexp === undefined)
    throw new KeylessError(
      'KEYLESS_POLICY',
      '--certificate-identity or --certificate-identity-regexp is required for verification in keyless mode',
    );
  if (p.issuer === undefined && p.issuerRegexp === undefined)
    throw new KeylessError(
      'KEYLESS_POLICY',
      '--certificate-oidc-issuer or --certificate-oidc-issuer-regexp is required for verification in keyless mode',
    );
}
