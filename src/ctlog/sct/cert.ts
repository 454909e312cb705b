import { CtError } from './errors.ts';
import { TAG, children, content, encodeTlv, oidToString, raw, readWhole } from './der.ts';
import type { Tlv } from './der.ts';

/** Certificate pieces RFC 6962 signs over: the TBSCertificate, its extensions, the SubjectPublicKeyInfo (RFC 5280 §4.1). */

/** RFC 6962 §3.1: the precertificate poison, critical, value ASN.1 NULL. */
export const OID_CT_POISON = '1.3.6.1.4.1.11129.2.4.3';
/** RFC 6962 §3.3: the embedded SignedCertificateTimestampList. */
export const OID_SCT_LIST = '1.3.6.1.4.1.11129.2.4.2';

export interface CertExtension {
  oid: string;
  critical: boolean;
  /** Contents of the extnValue OCTET STRING. */
  value: Buffer;
}

interface TbsParts {
  tbs: Buffer;
  fields: Tlv[];
}

function tbsParts(certDer: Uint8Array): TbsParts {
  const cert = readWhole(certDer);
  if (cert.tag !== TAG.SEQUENCE) throw new CtError('CT_DER_INVALID', 'certificate is not a SEQUENCE');
  const [tbsTlv, alg, sig, ...rest] = children(certDer, cert);
  if (!tbsTlv || !alg || !sig || rest.length > 0 || tbsTlv.tag !== TAG.SEQUENCE)
    throw new CtError(
      'CT_DER_INVALID',
      'certificate must be SEQUENCE { tbsCertificate, algorithm, signature }',
    );
  const tbs = raw(certDer, tbsTlv);
  return { tbs, fields: children(tbs, readWhole(tbs)) };
}

/** The DER SubjectPublicKeyInfo of a DER certificate (the issuer_key_hash input, RFC 6962 §3.2). */
export function subjectPublicKeyInfo(certDer: Uint8Array): Buffer {
  const { tbs, fields } = tbsParts(certDer);
  const offset = fields[0]?.tag === 0xa0 ? 1 : 0;
  const spki = fields[offset + 5];
  if (!spki || spki.tag !== TAG.SEQUENCE)
    throw new CtError('CT_DER_INVALID', 'certificate has no SubjectPublicKeyInfo');
  return raw(tbs, spki);
}

function extensionsField(fields: Tlv[]): Tlv | undefined {
  return fields.find((f) => f.tag === TAG.EXTENSIONS);
}

function parseExtension(tbs: Buffer, t: Tlv): CertExtension & { tlv: Tlv } {
  const parts = t.tag === TAG.SEQUENCE ? children(tbs, t) : [];
  const [id, second, third] = parts;
  const value = third ?? second;
  const hasCritical = parts.length === 3;
  if (!id || id.tag !== TAG.OID || !value || value.tag !== TAG.OCTET_STRING || parts.length > 3)
    throw new CtError('CT_DER_INVALID', 'malformed certificate extension');
  if (hasCritical && (second?.tag !== TAG.BOOLEAN || second.end - second.contentStart !== 1))
    throw new CtError('CT_DER_INVALID', 'malformed extension critical flag');
  const critical = hasCritical && tbs[(second as Tlv).contentStart] === 0xff;
  return { oid: oidToString(content(tbs, id)), critical, value: content(tbs, value), tlv: t };
}

function extensionList(tbs: Buffer, fields: Tlv[]): (CertExtension & { tlv: Tlv })[] {
  const wrapper = extensionsField(fields);
  if (!wrapper) return [];
  const [seq, ...extra] = children(tbs, wrapper);
  if (!seq || seq.tag !== TAG.SEQUENCE || extra.length > 0)
    throw new CtError('CT_DER_INVALID', 'malformed extensions field');
  return children(tbs, seq).map((t) => parseExtension(tbs, t));
}

/** The extensions of a DER certificate, in order. */
export function certificateExtensions(certDer: Uint8Array): CertExtension[] {
  const { tbs, fields } = tbsParts(certDer);
  return extensionList(tbs, fields).map(({ oid, critical, value }) => ({ oid, critical, value }));
}

/**
 * The TBSCertificate with every extension named `oid` removed and lengths re-encoded (RFC 6962 §3.2: the
 * precert TBS without the poison; for an embedded SCT, the final TBS without the SCT list).
 */
export function tbsWithoutExtension(certDer: Uint8Array, oid: string): Buffer {
  const { tbs, fields } = tbsParts(certDer);
  const exts = extensionList(tbs, fields);
  const kept = exts.filter((e) => e.oid !== oid).map((e) => raw(tbs, e.tlv));
  const body = fields.flatMap((f) => {
    if (f.tag !== TAG.EXTENSIONS) return [raw(tbs, f)];
    return kept.length === 0 ? [] : [encodeTlv(TAG.EXTENSIONS, encodeTlv(TAG.SEQUENCE, Buffer.concat(kept)))];
  });
  return encodeTlv(TAG.SEQUENCE, Buffer.concat(body));
}

/** Where a certificate stands with respect to the CT poison (RFC 6962 §3.1: critical, value exactly NULL). */
export function poisonState(certDer: Uint8Array): 'absent' | 'valid' | 'malformed' {
  const found = certificateExtensions(certDer).filter((e) => e.oid === OID_CT_POISON);
  if (found.length === 0) return 'absent';
  const [only] = found;
  const ok = found.length === 1 && only?.critical === true && only.value.equals(Buffer.from([TAG.NULL, 0]));
  return ok ? 'valid' : 'malformed';
}
