import { z } from 'zod';
import { fromBase64, toBase64 } from '../../core/encoding.ts';
import { TAG, content, encodeTlv, readWhole } from './der.ts';
import { CtError } from './errors.ts';
import { TlsReader, uint, uint64, vector } from './tls.ts';

/** RFC 6962 §3.2 SignedCertificateTimestamp (v1), its TLS form, the §3.3 list and the §4.1 JSON answer. */

/** RFC 5246 §7.4.1.4.1 HashAlgorithm / SignatureAlgorithm values used by CT. */
export const HASH_SHA256 = 4;
export const SIG_RSA = 1;
export const SIG_ECDSA = 3;

export interface Sct {
  version: 0;
  /** SHA-256 of the log's DER SubjectPublicKeyInfo. */
  logId: Buffer;
  /** Milliseconds since the epoch. */
  timestamp: number;
  extensions: Buffer;
  hashAlgorithm: number;
  signatureAlgorithm: number;
  signature: Buffer;
}

/** DigitallySigned (RFC 5246 §4.7): hash(1) ‖ signature algorithm(1) ‖ opaque signature<0..2^16-1>. */
export function encodeDigitallySigned(
  sct: Pick<Sct, 'hashAlgorithm' | 'signatureAlgorithm' | 'signature'>,
): Buffer {
  return Buffer.concat([
    uint(sct.hashAlgorithm, 1),
    uint(sct.signatureAlgorithm, 1),
    vector(sct.signature, 2),
  ]);
}

function readDigitallySigned(r: TlsReader): Pick<Sct, 'hashAlgorithm' | 'signatureAlgorithm' | 'signature'> {
  return { hashAlgorithm: r.uint(1), signatureAlgorithm: r.uint(1), signature: r.vector(2) };
}

export function decodeDigitallySigned(
  data: Buffer,
): Pick<Sct, 'hashAlgorithm' | 'signatureAlgorithm' | 'signature'> {
  const r = new TlsReader(data, 'DigitallySigned');
  const ds = readDigitallySigned(r);
  r.end();
  return ds;
}

/** TLS encoding of one SCT. */
export function encodeSct(sct: Sct): Buffer {
  if (sct.logId.length !== 32) throw new CtError('CT_SCT_INVALID', 'log ID must be 32 bytes');
  return Buffer.concat([
    uint(sct.version, 1),
    sct.logId,
    uint64(sct.timestamp),
    vector(sct.extensions, 2),
    encodeDigitallySigned(sct),
  ]);
}

/** Strict decode of one TLS-encoded SCT: version 0, no trailing bytes. */
export function decodeSct(data: Buffer): Sct {
  const r = new TlsReader(data, 'SCT');
  const version = r.uint(1);
  if (version !== 0) throw new CtError('CT_SCT_INVALID', `unsupported SCT version ${version}`);
  const sct: Sct = {
    version,
    logId: r.bytes(32),
    timestamp: r.uint64(),
    extensions: r.vector(2),
    ...readDigitallySigned(r),
  };
  r.end();
  return sct;
}

/** SignedCertificateTimestampList: opaque SerializedSCT<1..2^16-1>, list <1..2^16-1> (RFC 6962 §3.3). */
export function encodeSctList(scts: readonly Sct[]): Buffer {
  if (scts.length === 0) throw new CtError('CT_SCT_INVALID', 'an SCT list needs at least one SCT');
  return vector(Buffer.concat(scts.map((s) => vector(encodeSct(s), 2))), 2);
}

export function decodeSctList(data: Buffer): Sct[] {
  const outer = new TlsReader(data, 'SCT list');
  const list = outer.vector(2);
  outer.end();
  const r = new TlsReader(list, 'SCT list');
  const out: Sct[] = [];
  while (!r.done) {
    const one = r.vector(2);
    if (one.length === 0) throw new CtError('CT_SCT_INVALID', 'empty SCT in list');
    out.push(decodeSct(one));
  }
  if (out.length === 0) throw new CtError('CT_SCT_INVALID', 'SCT list is empty');
  return out;
}

/** extnValue contents of the 1.3.6.1.4.1.11129.2.4.2 extension: an inner DER OCTET STRING around the TLS list. */
export function sctListExtensionValue(scts: readonly Sct[]): Buffer {
  return encodeTlv(TAG.OCTET_STRING, encodeSctList(scts));
}

export function decodeSctListExtensionValue(value: Buffer): Sct[] {
  const t = readWhole(value);
  if (t.tag !== TAG.OCTET_STRING)
    throw new CtError('CT_SCT_INVALID', 'SCT list extension is not an OCTET STRING');
  return decodeSctList(content(value, t));
}

const B64 = z.string().max(65536);
/** The JSON answer of add-chain / add-pre-chain (RFC 6962 §4.1). */
export const AddChainResponseSchema = z.object({
  sct_version: z.literal(0),
  id: B64,
  timestamp: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  extensions: z.string().max(65536),
  signature: B64,
});
export type AddChainResponse = z.infer<typeof AddChainResponseSchema>;

export function sctToJson(sct: Sct): AddChainResponse {
  return {
    sct_version: 0,
    id: toBase64(sct.logId),
    timestamp: sct.timestamp,
    extensions: toBase64(sct.extensions),
    signature: toBase64(encodeDigitallySigned(sct)),
  };
}

/** Parse a CT log's add-(pre-)chain answer (hostile input) into an SCT. */
export function sctFromJson(json: unknown): Sct {
  const parsed = AddChainResponseSchema.safeParse(json);
  if (!parsed.success)
    throw new CtError('CT_SCT_INVALID', `bad add-chain response: ${parsed.error.issues[0]?.message}`);
  const a = parsed.data;
  try {
    const logId = fromBase64(a.id, 'SCT log id');
    if (logId.length !== 32) throw new CtError('CT_SCT_INVALID', 'SCT log id must be 32 bytes');
    const ds = decodeDigitallySigned(fromBase64(a.signature, 'SCT signature'));
    return {
      version: 0,
      logId,
      timestamp: a.timestamp,
      extensions: fromBase64(a.extensions, 'SCT extensions'),
      ...ds,
    };
  } catch (e) {
    if (e instanceof CtError) throw e;
    throw new CtError('CT_SCT_INVALID', `bad add-chain response: ${(e as Error).message}`, { cause: e });
  }
}
