/**
 * A Bloom filter over every UUID in the log, so the duplicate check of a new entry (almost always: not
 * there) skips the index query. UUIDs are SHA-256 outputs, so three of their 32-bit words serve as the
 * hashes. Sized at `bitsPerUuid` (tuning.ts; false positives just run the query), at least 2^23 bits; it asks
 * for a rebuild when it gets fuller than that.
 */
export class UuidFilter {
  private bits: Uint32Array;
  private mask: number;
  private count = 0;

  constructor(
    expected: number,
    private readonly bitsPerUuid: number,
  ) {
    let size = 1 << 23;
    while (size < expected * bitsPerUuid) size *= 2;
    this.bits = new Uint32Array(size / 32);
    this.mask = size - 1;
  }

  /** True once more UUIDs were added than the filter was sized for. */
  get full(): boolean {
    return this.count * this.bitsPerUuid > this.mask + 1;
  }

  add(uuid: Buffer): void {
    this.count++;
    for (let o = 8; o <= 16; o += 4) {
      const b = uuid.readUInt32LE(o) & this.mask;
      this.bits[b >>> 5] = (this.bits[b >>> 5] as number) | (1 << (b & 31));
    }
  }

  /** False: certainly not in the log. True: maybe. */
  mayHave(uuid: Buffer): boolean {
    for (let o = 8; o <= 16; o += 4) {
      const b = uuid.readUInt32LE(o) & this.mask;
      if (((this.bits[b >>> 5] as number) & (1 << (b & 31))) === 0) return false;
    }
    return true;
  }
}
