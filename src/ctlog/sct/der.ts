import { CtError } from './errors.ts';

/** A minimal strict DER reader/writer: just enough to walk a certificate's TBS and its extensions (X.690 §8, §10). */

export interface Tlv {
  tag: number;
  /** Offset of the tag byte in the source buffer. */
  start: number;
  /** Offset of the first content byte. */
  contentStart: number;
  /** Offset one past the last content byte. */
  end: number;
}

function fail(message: string): never {
  throw new CtError('CT_DER_INVALID', message);
}

/** Read the TLV at `pos`; only single-byte tags and minimal definite lengths (DER). */
export function readTlv(buf: Uint8Array, pos: number, limit = buf.length): Tlv {
  if (pos + 2 > limit) fail('truncated DER element');
  const tag = buf[pos] as number;
  if ((tag & 0x1f) === 0x1f) fail('multi-byte DER tags are not supported');
  let len = buf[pos + 1] as number;
  let at = pos + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) fail('unsupported DER length');
    if (at + n > limit) fail('truncated DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (buf[at + i] as number);
    if ((buf[at] as number) === 0 || len < 0x80) fail('non-minimal DER length');
    at += n;
  }
  if (at + len > limit) fail('DER element runs past its container');
  return { tag, start: pos, contentStart: at, end: at + len };
}

/** The elements directly inside a constructed element. */
export function children(buf: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  let pos = parent.contentStart;
  while (pos < parent.end) {
    const t = readTlv(buf, pos, parent.end);
    out.push(t);
    pos = t.end;
  }
  return out;
}

/** Read exactly one element filling the whole buffer. */
export function readWhole(buf: Uint8Array): Tlv {
  const t = readTlv(buf, 0);
  if (t.end !== buf.length) fail('trailing bytes after DER element');
  return t;
}

export function content(buf: Uint8Array, t: Tlv): Buffer {
  return Buffer.from(buf.subarray(t.contentStart, t.end));
}

export function raw(buf: Uint8Array, t: Tlv): Buffer {
  return Buffer.from(buf.subarray(t.start, t.end));
}

function lengthBytes(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** Encode one element from its tag and content. */
export function encodeTlv(tag: number, body: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([tag]), lengthBytes(body.length), body]);
}

export const TAG = {
  BOOLEAN: 0x01,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  SEQUENCE: 0x30,
  /** [3] EXPLICIT, constructed: TBSCertificate.extensions. */
  EXTENSIONS: 0xa3,
} as const;

/** Dotted form of an OBJECT IDENTIFIER's content bytes. */
export function oidToString(bytes: Uint8Array): string {
  if (bytes.length === 0) fail('empty OID');
  const arcs: number[] = [];
  let v = 0;
  for (const b of bytes) {
    v = v * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      arcs.push(v);
      v = 0;
    }
  }
  if ((bytes[bytes.length - 1] as number) & 0x80) fail('truncated OID');
  const first = arcs.shift() as number;
  const head = first < 80 ? [Math.floor(first / 40), first % 40] : [2, first - 80];
  return [...head, ...arcs].join('.');
}
