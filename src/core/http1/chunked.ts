type State = 'size' | 'data' | 'crlf' | 'trailer';

const HEX = /^[0-9a-fA-F]{1,12}$/;
/** a chunk-size or trailer line longer than this never ends: refuse instead of buffering it */
const MAX_LINE = 8192;
/** all trailer fields together, as bounded as a head */
const MAX_TRAILERS = 64 * 1024;

const joined = (out: Buffer[]): Buffer => (out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out));

/** Incremental `Transfer-Encoding: chunked` decoder (RFC 9112 §7.1); extensions and trailers are skipped. */
export class ChunkDecoder {
  private state: State = 'size';
  private left = 0;
  private trailers = 0;
  private pending: Buffer | undefined;

  /** bytes of an unfinished size/trailer line (or CRLF) held until the rest arrives */
  get pendingBytes(): number {
    return this.pending?.length ?? 0;
  }

  /** Data decoded from `d`; `done` at the end of the message, `rest` = bytes after it. Undefined: malformed. */
  push(d: Buffer): { data: Buffer; done: boolean; rest: number } | undefined {
    let b = this.pending ? Buffer.concat([this.pending, d]) : d;
    this.pending = undefined;
    const out: Buffer[] = [];
    for (;;) {
      if (this.state === 'data') {
        if (b.length === 0) break;
        const take = Math.min(this.left, b.length);
        out.push(b.subarray(0, take));
        b = b.subarray(take);
        this.left -= take;
        if (this.left > 0) break;
        this.state = 'crlf';
      } else if (this.state === 'crlf') {
        if (b.length < 2) break;
        if (b[0] !== 13 || b[1] !== 10) return undefined;
        b = b.subarray(2);
        this.state = 'size';
      } else {
        const eol = b.indexOf('\r\n');
        if (eol < 0) break;
        const line = b.toString('latin1', 0, eol);
        b = b.subarray(eol + 2);
        if (this.state === 'trailer') {
          if (line === '') return { data: joined(out), done: true, rest: b.length };
          if ((this.trailers += eol + 2) > MAX_TRAILERS) return undefined;
          continue;
        }
        const size = (line.split(';')[0] ?? '').trim();
        if (!HEX.test(size)) return undefined;
        this.left = parseInt(size, 16);
        this.state = this.left === 0 ? 'trailer' : 'data';
      }
    }
    if (b.length > 0) {
      if (b.length > MAX_LINE && this.state !== 'data') return undefined;
      this.pending = Buffer.from(b);
    }
    return { data: joined(out), done: false, rest: 0 };
  }
}
