import { emptyRoot } from '../../core/merkle.ts';
import { rangeHash, rangeNodes } from '../../core/merkle-ranges.ts';
import type { LeafRange, NodeId } from '../../core/merkle-ranges.ts';
import type { LogStore, StoredNode } from '../store/store.ts';
import { PROOF_CACHE_GENERATION, PROOF_CACHE_UPPER_LEVEL as UPPER_LEVEL } from './tuning.ts';

/** Node (level, index) as one number (levels ≤ 63, index < 2^46): cheaper Map keys than strings. */
const key = (level: number, index: number): number => level * 2 ** 46 + index;

/** The level of [lo, hi) when it is a perfect subtree, else -1 (only ranges ending at the tree size are not). */
function perfectLevel(lo: number, hi: number): number {
  const w = hi - lo;
  const l = Math.log2(w);
  return Number.isInteger(l) && lo % w === 0 ? l : -1;
}

/**
 * Proof hashes from stored perfect-subtree nodes (RFC 6962 PATH / SUBPROOF, https://www.rfc-editor.org/rfc/rfc6962).
 * Nodes at level ≥ 8 stay cached; lower ones (written here, or level ≥ 4 read from the store) in two generations,
 * enough for every proof of a new entry, so memory does not grow with the log. The hashes of the ranges ending
 * at a tree size (the only ones that are not perfect subtrees) are computed once per size.
 */
export class TreeReader {
  /** Nodes at level ≥ 8 (one per 256 entries, kept); lower ones in two generations (newest first). */
  private readonly upper = new Map<number, Buffer>();
  private low = new Map<number, Buffer>();
  private older = new Map<number, Buffer>();
  private right = { size: -1, hashes: new Map<number, Buffer>() };

  constructor(
    private readonly store: LogStore,
    private readonly generation = PROOF_CACHE_GENERATION,
  ) {}

  private cached(level: number, index: number): Buffer | undefined {
    const k = key(level, index);
    return level >= UPPER_LEVEL ? this.upper.get(k) : (this.low.get(k) ?? this.older.get(k));
  }

  private keep(level: number, index: number, h: Buffer): void {
    if (level >= UPPER_LEVEL) return void this.upper.set(key(level, index), h);
    if (this.low.size >= this.generation) [this.older, this.low] = [this.low, new Map()];
    this.low.set(key(level, index), h);
  }

  /** Nodes just committed. */
  remember(nodes: readonly StoredNode[]): void {
    for (const n of nodes) this.keep(n.level, n.index, n.hash);
  }

  private async read(ids: readonly NodeId[]): Promise<Map<number, Buffer>> {
    const out = new Map<number, Buffer>();
    const missing: NodeId[] = [];
    for (const id of ids) {
      const h = this.cached(id.level, id.index);
      if (h) out.set(key(id.level, id.index), h);
      else missing.push(id);
    }
    if (missing.length === 0) return out;
    const hashes = await this.store.nodes(missing);
    missing.forEach((id, i) => {
      const h = hashes[i] as Buffer;
      out.set(key(id.level, id.index), h);
      if (id.level >= 4) this.keep(id.level, id.index, h);
    });
    return out;
  }

  /** MTH of each leaf range, in a tree of `size` leaves. */
  async hashes(ranges: readonly LeafRange[], size: number): Promise<Buffer[]> {
    if (this.right.size !== size) this.right = { size, hashes: new Map() };
    const memo = this.right.hashes; // this size's map, even if another size replaces it meanwhile
    const need: NodeId[] = [];
    for (const [lo, hi] of ranges) {
      const l = perfectLevel(lo, hi);
      if (l >= 0) need.push({ level: l, index: lo / 2 ** l });
      else if (hi !== size || !memo.has(lo)) need.push(...rangeNodes(lo, hi));
    }
    const got = await this.read(need);
    const get = (id: NodeId): Buffer => got.get(key(id.level, id.index)) as Buffer;
    return ranges.map(([lo, hi]) => {
      const l = perfectLevel(lo, hi);
      if (l >= 0) return get({ level: l, index: lo / 2 ** l });
      const known = hi === size ? memo.get(lo) : undefined;
      if (known) return known;
      const h = rangeHash(lo, hi, get);
      if (hi === size) memo.set(lo, h);
      return h;
    });
  }

  /** MTH of the first `size` leaves. */
  async rootAt(size: number): Promise<Buffer> {
    if (size === 0) return emptyRoot();
    return (await this.hashes([[0, size]], size))[0] as Buffer;
  }
}
