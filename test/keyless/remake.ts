import 'reflect-metadata';
import { X509Certificate, sign } from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';
import { loadCa } from '../../src/ca/index.ts';
import { encodePem } from '../../src/core/encoding.ts';
import { OID_SCT_LIST } from '../../src/ctlog/sct/index.ts';

/**
 * The leaf re-made by the CA in `caDir` (the one that issued it) with its SCT list changed by `edit`: dropped,
 * or one byte of the SCT's signature flipped. The chain still holds; only the SCT check can tell.
 */
export async function remadeLeaf(caDir: string, pem: string, edit: 'drop' | 'forge'): Promise<string> {
  const ca = await loadCa(caDir);
  const cert = AsnConvert.parse(new X509Certificate(pem).raw, Certificate);
  const exts = cert.tbsCertificate.extensions ?? [];
  const i = exts.findIndex((e) => e.extnID === OID_SCT_LIST);
  if (i < 0) throw new Error('the certificate has no SCT list');
  if (edit === 'drop') exts.splice(i, 1);
  else {
    const v = Buffer.from((exts[i] as { extnValue: OctetString }).extnValue.buffer);
    v.writeUInt8(v.readUInt8(v.length - 1) ^ 0x01, v.length - 1); // the last byte of the SCT's signature
    (exts[i] as { extnValue: OctetString }).extnValue = new OctetString(v);
  }
  cert.tbsCertificate.extensions = exts as typeof cert.tbsCertificate.extensions;
  const tbs = Buffer.from(AsnConvert.serialize(cert.tbsCertificate));
  const signature = sign(ca.signer.hash, tbs, ca.signer.key);
  cert.signatureValue = signature.buffer.slice(signature.byteOffset, signature.byteOffset + signature.length);
  return encodePem('CERTIFICATE', Buffer.from(AsnConvert.serialize(cert)));
}
