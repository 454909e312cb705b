import 'reflect-metadata';
import { createHash, randomBytes, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  Certificate,
  Extension,
  Extensions,
  Name,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
} from '@peculiar/asn1-x509';
import { Name as NameText } from '@peculiar/x509';
import { encodePem } from '../core/encoding.ts';
import { CaError } from './errors.ts';

/** Signature algorithm OIDs by digest for ECDSA CA keys (RFC 5758 §3.2; parameters absent). */
const ECDSA_WITH: Record<'sha256' | 'sha384' | 'sha512', string> = {
  sha256: '1.2.840.10045.4.3.2',
  sha384: '1.2.840.10045.4.3.3',
  sha512: '1.2.840.10045.4.3.4',
};

/** A CA signing key: ECDSA, the digest its curve pairs with (P-384 → SHA-384, as Fulcio's public good). */
export interface CaSigner {
  key: KeyObject;
  hash: 'sha256' | 'sha384' | 'sha512';
}

export function signerFor(key: KeyObject): CaSigner {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (
    key.asymmetricKeyType !== 'ec' ||
    (curve !== 'prime256v1' && curve !== 'secp384r1' && curve !== 'secp521r1')
  )
    throw new CaError('CA_STATE', 'CA keys must be ECDSA P-256, P-384 or P-521');
  return { key, hash: curve === 'prime256v1' ? 'sha256' : curve === 'secp384r1' ? 'sha384' : 'sha512' };
}

/** A DER extension: the OID, the critical flag, and the DER of the extnValue contents. */
export interface ExtensionSpec {
  oid: string;
  critical: boolean;
  value: Uint8Array;
}

/** The fields of a certificate to sign; serial and validity are fixed by the caller (precert and final agree). */
export interface CertificateSpec {
  serial: Uint8Array;
  issuer: Name;
  subject: Name;
  notBefore: Date;
  notAfter: Date;
  spki: Uint8Array;
  extensions: readonly ExtensionSpec[];
}

/** Positive serial below 2^159 in 20 octets, as Fulcio's cryptoutils.GenerateSerialNumber. */
export function randomSerial(): Buffer {
  const s = randomBytes(20);
  s[0] = (s[0] ?? 0) & 0x7f;
  if (s[0] === 0) s[0] = 1; // minimal DER: never a leading 0x00 octet

  return s;
}

/** A distinguished name from "O=…, CN=…" text. */
export function nameFrom(text: string): Name {
  return AsnConvert.parse(new NameText(text).toArrayBuffer(), Name);
}

export const EMPTY_NAME = new Name();

/** SHA-1 of the subjectPublicKey BIT STRING contents (RFC 5280 §4.2.1.2 method 1). */
export function keyIdentifier(spkiDer: Uint8Array): Buffer {
  const spki = AsnConvert.parse(spkiDer, SubjectPublicKeyInfo);
  return createHash('sha1').update(Buffer.from(spki.subjectPublicKey)).digest();
}

/** DER of any @peculiar/asn1 value (the extnValue contents of an extension). */
export function der(value: unknown): Buffer {
  return Buffer.from(AsnConvert.serialize(value));
}

/** The TBSCertificate (RFC 5280 §4.1), extensions in the given order. */
function tbsOf(spec: CertificateSpec, alg: AlgorithmIdentifier): TBSCertificate {
  const extensions = spec.extensions.map(
    (e) => new Extension({ extnID: e.oid, critical: e.critical, extnValue: new OctetString(e.value) }),
  );
  return new TBSCertificate({
    version: Version.v3,
    serialNumber: Uint8Array.from(spec.serial).buffer,
    signature: alg,
    issuer: spec.issuer,
    validity: new Validity({ notBefore: spec.notBefore, notAfter: spec.notAfter }),
    subject: spec.subject,
    subjectPublicKeyInfo: AsnConvert.parse(spec.spki, SubjectPublicKeyInfo),
    extensions: extensions.length ? new Extensions(extensions) : undefined,
  });
}

/** Build and sign a certificate; returns its DER. */
export function signCertificate(spec: CertificateSpec, signer: CaSigner): Buffer {
  const alg = new AlgorithmIdentifier({ algorithm: ECDSA_WITH[signer.hash] });
  const tbs = tbsOf(spec, alg);
  const tbsDer = der(tbs);
  let signature: Buffer;
  try {
    signature = sign(signer.hash, tbsDer, signer.key);
  } catch (e) {
    throw new CaError('CA_BACKEND', 'error communicating with CA backend', { cause: e });
  }
  const cert = new Certificate({
    tbsCertificate: tbs,
    signatureAlgorithm: alg,
    signatureValue: Uint8Array.from(signature).buffer,
  });
  return der(cert);
}

/** The subject Name and SPKI of a DER certificate (to issue under it). */
export function certificateParts(certDer: Uint8Array): { subject: Name; spki: Buffer; notAfter: Date } {
  const c = AsnConvert.parse(certDer, Certificate);
  return {
    subject: c.tbsCertificate.subject,
    spki: der(c.tbsCertificate.subjectPublicKeyInfo),
    notAfter: c.tbsCertificate.validity.notAfter.getTime(),
  };
}

/** PEM of a DER certificate, ending in a newline (Fulcio's chain strings). */
export function certificatePem(certDer: Uint8Array): string {
  return encodePem('CERTIFICATE', certDer);
}
