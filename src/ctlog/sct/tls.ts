import { CtError } from './errors.ts';

/** TLS presentation-language helpers (RFC 5246 §4): big-endian integers and length-prefixed vectors. */

export class TlsReader {
  private pos = 0;
  constructor(
    private readonly buf: Buffer,
    private readonly what: string,
  ) {}

  private take(n: number): Buffer {
    if (this.pos + n > this.buf.length) throw new CtError('CT_SCT_INVALID', `${this.what} is truncated`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  uint(bytes: 1 | 2 | 3): number {
    return this.take(bytes).readUIntBE(0, bytes);
  }

  uint64(): number {
    const v = this.take(8).readBigUInt64BE();
    if (v > BigInt(Number.MAX_SAFE_INTEGER))
      throw new CtError('CT_SCT_INVALID', `${this.what} timestamp is out of range`);
    return Number(v);
  }

  bytes(n: number): Buffer {
    return Buffer.from(this.take(n));
  }

  /** opaque x<0..2^(8*lenBytes)-1> */
  vector(lenBytes: 1 | 2 | 3): Buffer {
    return this.bytes(this.uint(lenBytes));
  }

  end(): void {
    if (this.pos !== this.buf.length) throw new CtError('CT_SCT_INVALID', `${this.what} has trailing bytes`);
  }

  get done(): boolean {
    return this.pos === this.buf.length;
  }
}

export function uint(value: number, bytes: 1 | 2 | 3): Buffer {
  if (!Number.isInteger(value) || value < 0 || value >= 2 ** (8 * bytes))
    throw new CtError('CT_SCT_INVALID', `${value} does not fit in ${bytes} byte(s)`);
  const b = Buffer.alloc(bytes);
  b.writeUIntBE(value, 0, bytes);
  return b;
}

export function uint64(value: number): Buffer {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new CtError('CT_SCT_INVALID', 'timestamp out of range');
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(value));
  return b;
}

export function vector(data: Uint8Array, lenBytes: 1 | 2 | 3): Buffer {
  return Buffer.concat([uint(data.length, lenBytes), data]);
}
