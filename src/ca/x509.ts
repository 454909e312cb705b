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
import { TAG, encodeTlv } from '../ctlog/sct/der.ts';
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
  /** The whole Extension's DER, once encoded (withDer). */
  der?: Buffer;
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

/** The TBSCertificate as @peculiar/asn1-x509 encodes it whole (the reference the framed encoding is tested against). */
export function libraryTbsDer(spec: CertificateSpec, hash: CaSigner['hash']): Buffer {
  const extensions = spec.extensions.map(
    (e) => new Extension({ extnID: e.oid, critical: e.critical, extnValue: new OctetString(e.value) }),
  );
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: Uint8Array.from(spec.serial).buffer,
    signature: new AlgorithmIdentifier({ algorithm: ECDSA_WITH[hash] }),
    issuer: spec.issuer,
    validity: new Validity({ notBefore: spec.notBefore, notAfter: spec.notAfter }),
    subject: spec.subject,
    subjectPublicKeyInfo: AsnConvert.parse(spec.spki, SubjectPublicKeyInfo),
    extensions: extensions.length ? new Extensions(extensions) : undefined,
  });
  return der(tbs);
}

/** DER of one Extension (encoded once; the precertificate and the final certificate share it). */
export function withDer(e: ExtensionSpec): ExtensionSpec {
  if (e.der) return e;
  const ext = new Extension({ extnID: e.oid, critical: e.critical, extnValue: new OctetString(e.value) });
  return { ...e, der: der(ext) };
}

const V3 = Buffer.from('a003020102', 'hex'); // version [0] EXPLICIT INTEGER 2 (RFC 5280 §4.1.2.1)
const INTEGER = 0x02;
const BIT_STRING = 0x03;
const ALG_DER = new Map<string, Buffer>();
const NAME_DER = new WeakMap<Name, Buffer>();

function algDer(hash: CaSigner['hash']): Buffer {
  let d = ALG_DER.get(hash);
  if (!d) ALG_DER.set(hash, (d = der(new AlgorithmIdentifier({ algorithm: ECDSA_WITH[hash] }))));
  return d;
}

function nameDer(n: Name): Buffer {
  let d = NAME_DER.get(n);
  if (!d) NAME_DER.set(n, (d = der(n)));
  return d;
}

/**
 * The TBSCertificate (RFC 5280 §4.1), extensions in the given order: each field encoded by @peculiar/asn1-x509
 * (names, validity, extensions; cached where they repeat), only the SEQUENCE framing assembled here. The serial
 * is a positive INTEGER already in minimal form (randomSerial). Equal to libraryTbsDer byte for byte (x509.test.ts).
 */
export function tbsDer(spec: CertificateSpec, hash: CaSigner['hash']): Buffer {
  const validity = der(new Validity({ notBefore: spec.notBefore, notAfter: spec.notAfter }));
  const fields = [V3, encodeTlv(INTEGER, spec.serial), algDer(hash), nameDer(spec.issuer), validity];
  fields.push(nameDer(spec.subject), Buffer.from(spec.spki));
  const exts = spec.extensions.map((e) => withDer(e).der as Buffer);
  if (exts.length) fields.push(encodeTlv(TAG.EXTENSIONS, encodeTlv(TAG.SEQUENCE, Buffer.concat(exts))));
  return encodeTlv(TAG.SEQUENCE, Buffer.concat(fields));
}

/** Build and sign a certificate; returns its DER, framed around the very TBS bytes that were signed. */
export function signCertificate(spec: CertificateSpec, signer: CaSigner): Buffer {
  const tbs = tbsDer(spec, signer.hash);
  let signature: Buffer;
  try {
    signature = sign(signer.hash, tbs, signer.key);
  } catch (e) {
    throw new CaError('CA_BACKEND', 'error communicating with CA backend', { cause: e });
  }
  const bits = encodeTlv(BIT_STRING, Buffer.concat([Buffer.from([0]), signature])); // 0 unused bits
  return encodeTlv(TAG.SEQUENCE, Buffer.concat([tbs, algDer(signer.hash), bits]));
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
