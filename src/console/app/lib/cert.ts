import { bytesToHex, fromUtf8, pemToDer, sha256 } from './bytes.ts';
import { children, oidText, readTlv } from './der.ts';
import type { Tlv } from './der.ts';

/** Who signed: a certificate's identity and issuer (Fulcio, https://github.com/sigstore/sigstore-js), or a bare key's fingerprint. */
export type Signer =
  | { type: 'key'; fingerprint: string }
  | { type: 'certificate'; identities: string[]; issuer?: string; fingerprint: string }
  | { type: 'unreadable'; reason: string };

const SAN = '2.5.29.17';
const ISSUER_V1 = '1.3.6.1.4.1.57264.1.1'; // raw bytes
const ISSUER_V2 = '1.3.6.1.4.1.57264.1.8'; // DER UTF8String

function extensions(tbs: Tlv): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  const ext = children(tbs).find((c) => c.tag === 0xa3);
  if (!ext) return out;
  for (const e of children(children(ext)[0] ?? ext)) {
    const parts = children(e);
    const oid = parts[0];
    const value = parts[parts.length - 1];
    if (oid?.tag === 0x06 && value?.tag === 0x04) out.set(oidText(oid.value), value.value);
  }
  return out;
}

function sanNames(value: Uint8Array): string[] {
  return children(readTlv(value))
    .filter((n) => n.tag === 0x81 || n.tag === 0x86 || n.tag === 0x82)
    .map((n) => fromUtf8(n.value));
}

function certificate(der: Uint8Array): { identities: string[]; issuer?: string } {
  const tbs = children(readTlv(der))[0];
  if (!tbs) throw new Error('not a certificate');
  const ext = extensions(tbs);
  const san = ext.get(SAN);
  const v2 = ext.get(ISSUER_V2);
  const v1 = ext.get(ISSUER_V1);
  const issuer = v2 ? fromUtf8(readTlv(v2).value) : v1 ? fromUtf8(v1) : undefined;
  return { identities: san ? sanNames(san) : [], ...(issuer !== undefined ? { issuer } : {}) };
}

/** Decode a PEM public key or certificate (as entry bodies carry them, base64 of the PEM text). */
export async function describeSigner(pemText: string): Promise<Signer> {
  try {
    const der = pemToDer(pemText);
    const fingerprint = bytesToHex(await sha256(der));
    if (pemText.includes('BEGIN CERTIFICATE'))
      return { type: 'certificate', fingerprint, ...certificate(der) };
    return { type: 'key', fingerprint };
  } catch (e) {
    return { type: 'unreadable', reason: (e as Error).message };
  }
}
