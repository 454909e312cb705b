import 'reflect-metadata';
import {
  AuthorityKeyIdentifier,
  BasicConstraints,
  DirectoryString,
  ExtendedKeyUsage,
  GeneralName,
  KeyIdentifier,
  KeyUsage,
  KeyUsageFlags,
  SubjectAlternativeName,
  SubjectKeyIdentifier,
} from '@peculiar/asn1-x509';
import type { Principal } from '../oidc/index.ts';
import { CaError } from './errors.ts';
import { der } from './x509.ts';
import type { ExtensionSpec } from './x509.ts';

/** RFC 5280 and Fulcio OIDs (fulcio pkg/certificate/extensions.go, https://github.com/sigstore/fulcio/blob/main/docs/certificate-specification.md). */
export const OID = {
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectKeyId: '2.5.29.14',
  authorityKeyId: '2.5.29.35',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  codeSigning: '1.3.6.1.5.5.7.3.3',
  fulcioIssuerV1: '1.3.6.1.4.1.57264.1.1',
  fulcioIssuerV2: '1.3.6.1.4.1.57264.1.8',
  fulcioSubject: '1.3.6.1.4.1.57264.1.24',
} as const;

export function keyUsage(flags: number, critical = true): ExtensionSpec {
  return { oid: OID.keyUsage, critical, value: der(new KeyUsage(flags)) };
}

export function codeSigningEku(): ExtensionSpec {
  return { oid: OID.extKeyUsage, critical: false, value: der(new ExtendedKeyUsage([OID.codeSigning])) };
}

export function subjectKeyId(ski: Uint8Array): ExtensionSpec {
  return { oid: OID.subjectKeyId, critical: false, value: der(new SubjectKeyIdentifier(ski)) };
}

export function authorityKeyId(issuerSki: Uint8Array): ExtensionSpec {
  const aki = new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(issuerSki) });
  return { oid: OID.authorityKeyId, critical: false, value: der(aki) };
}

export function basicConstraints(pathLen: number): ExtensionSpec {
  return {
    oid: OID.basicConstraints,
    critical: true,
    value: der(new BasicConstraints({ cA: true, pathLenConstraint: pathLen })),
  };
}

/** The one SAN, critical because the subject is empty (RFC 5280 §4.2.1.6; Go does the same). */
export function subjectAltName(p: Principal): ExtensionSpec {
  const name =
    p.san.kind === 'email'
      ? new GeneralName({ rfc822Name: p.san.value })
      : new GeneralName({ uniformResourceIdentifier: p.san.value });
  return { oid: OID.subjectAltName, critical: true, value: der(new SubjectAlternativeName([name])) };
}

const utf8String = (s: string): Buffer => der(new DirectoryString({ utf8String: s }));

/**
 * Fulcio's Extensions.Render for these identity types, in its order: 1.1 (issuer, the raw string bytes, deprecated
 * but the only one cosign's legacy verify reads), 1.8 (issuer, UTF8String), 1.24 (token subject, UTF8String).
 */
export function fulcioExtensions(p: Principal): ExtensionSpec[] {
  if (!p.issuer) throw new CaError('CA_IDENTITY', 'extensions must have a non-empty issuer url');
  const out: ExtensionSpec[] = [
    { oid: OID.fulcioIssuerV1, critical: false, value: Buffer.from(p.issuer, 'utf8') },
    { oid: OID.fulcioIssuerV2, critical: false, value: utf8String(p.issuer) },
  ];
  if (p.subject) out.push({ oid: OID.fulcioSubject, critical: false, value: utf8String(p.subject) });
  return out;
}

export const CA_KEY_USAGE = KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign;
export const LEAF_KEY_USAGE = KeyUsageFlags.digitalSignature;
