/** A minimal DER reader (X.690) for the few structures the console decodes: ECDSA signatures, SPKI, X.509. */

export interface Tlv {
  tag: number;
  /** content bytes */
  value: Uint8Array;
  /** whole encoding (tag, length, content) */
  raw: Uint8Array;
}

export function readTlv(buf: Uint8Array, at = 0): Tlv {
  const tag = buf[at];
  let len = buf[at + 1];
  if (tag === undefined || len === undefined) throw new Error('DER: truncated');
  let off = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new Error('DER: bad length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (buf[off + i] ?? 0);
    off += n;
  }
  if (off + len > buf.length) throw new Error('DER: truncated');
  return { tag, value: buf.subarray(off, off + len), raw: buf.subarray(at, off + len) };
}

/** The elements of a constructed value. */
export function children(t: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = 0; at < t.value.length;) {
    const c = readTlv(t.value, at);
    out.push(c);
    at += c.raw.length;
  }
  return out;
}

/** ECDSA-Sig-Value (SEQUENCE of two INTEGERs) → IEEE P1363 r‖s, as WebCrypto verifies. */
export function derToP1363(sig: Uint8Array, size: number): Uint8Array {
  const seq = readTlv(sig);
  if (seq.tag !== 0x30 || seq.raw.length !== sig.length) throw new Error('signature is not a DER sequence');
  const ints = children(seq);
  if (ints.length !== 2 || ints.some((i) => i.tag !== 0x02)) throw new Error('signature is not two integers');
  const out = new Uint8Array(size * 2);
  ints.forEach((int, k) => {
    let v = int.value;
    while (v.length > 1 && v[0] === 0) v = v.subarray(1);
    if (v.length > size) throw new Error('signature integer too long');
    out.set(v, k * size + size - v.length);
  });
  return out;
}

export function oidText(value: Uint8Array): string {
  const first = value[0] ?? 0;
  const parts = [Math.floor(first / 40), first % 40];
  let n = 0;
  for (const b of value.subarray(1)) {
    n = n * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      parts.push(n);
      n = 0;
    }
  }
  return parts.join('.');
}

const CURVES: Record<string, 'P-256' | 'P-384' | 'P-521'> = {
  '1.2.840.10045.3.1.7': 'P-256',
  '1.3.132.0.34': 'P-384',
  '1.3.132.0.35': 'P-521',
};

/** The named curve of an EC SubjectPublicKeyInfo, or undefined for other key types. */
export function spkiCurve(spki: Uint8Array): 'P-256' | 'P-384' | 'P-521' | undefined {
  const alg = children(readTlv(spki))[0];
  const params = alg ? children(alg)[1] : undefined;
  return params?.tag === 0x06 ? CURVES[oidText(params.value)] : undefined;
}
