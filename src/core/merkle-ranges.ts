import { MerkleError, hashChildren, splitPoint } from './merkle.ts';

/**
 * Proof generation as a plan over stored perfect subtrees (RFC 6962 PATH / SUBPROOF, https://www.rfc-editor.org/rfc/rfc6962):
 * a store keeps node (level, index) for every complete subtree, so any proof is O(log n) node reads.
 */

/** Exact for any safe integer (bitwise operators would truncate to 32 bits). */
function isPowerOfTwo(n: number): boolean {
  return n > 0 && 2 ** Math.round(Math.log2(n)) === n;
}

/** A perfect subtree: leaves [index·2^level, (index+1)·2^level). Stores keep exactly these nodes. */
export interface NodeId {
  level: number;
  index: number;
}

/** A leaf range [lo, hi) whose MTH is one proof element. */
export type LeafRange = readonly [lo: number, hi: number];

/** RFC 6962 PATH(m, D[lo:hi]) as leaf ranges, leaf to root (https://www.rfc-editor.org/rfc/rfc6962). */
export function inclusionRanges(m: number, size: number): LeafRange[] {
  if (!(m >= 0 && m < size))
    throw new MerkleError('INVALID_PROOF', `leaf index ${m} is beyond tree size ${size}`);
  const out: LeafRange[] = [];
  const walk = (lo: number, hi: number): void => {
    if (hi - lo <= 1) return;
    const k = splitPoint(hi - lo);
    if (m - lo < k) {
      walk(lo, lo + k);
      out.push([lo + k, hi]);
    } else {
      walk(lo + k, hi);
      out.push([lo, lo + k]);
    }
  };
  walk(0, size);
  return out;
}

/** RFC 6962 SUBPROOF(m, D[0:n], true) as leaf ranges (https://www.rfc-editor.org/rfc/rfc6962). Requires 0 < m ≤ n. */
export function consistencyRanges(m: number, n: number): LeafRange[] {
  if (!(m > 0 && m <= n)) throw new MerkleError('INVALID_PROOF', `no consistency proof from ${m} to ${n}`);
  const out: LeafRange[] = [];
  const sub = (mm: number, lo: number, hi: number, complete: boolean): void => {
    if (mm === hi - lo) {
      if (!complete) out.push([lo, hi]);
      return;
    }
    const k = splitPoint(hi - lo);
    if (mm <= k) {
      sub(mm, lo, lo + k, complete);
      out.push([lo + k, hi]);
    } else {
      sub(mm - k, lo + k, hi, false);
      out.push([lo, lo + k]);
    }
  };
  sub(m, 0, n, true);
  return out;
}

/** The perfect subtrees whose hashes give MTH(D[lo:hi]) for a range produced by the RFC split. */
export function rangeNodes(lo: number, hi: number): NodeId[] {
  const width = hi - lo;
  if (width <= 0) return [];
  if (isPowerOfTwo(width) && lo % width === 0) return [{ level: Math.log2(width), index: lo / width }];
  const k = splitPoint(width);
  return [...rangeNodes(lo, lo + k), ...rangeNodes(lo + k, hi)];
}

/** MTH(D[lo:hi]) from stored perfect-subtree hashes (`get` must know every node of rangeNodes(lo, hi)). */
export function rangeHash(lo: number, hi: number, get: (id: NodeId) => Uint8Array): Buffer {
  const width = hi - lo;
  if (isPowerOfTwo(width) && lo % width === 0) {
    const h = get({ level: Math.log2(width), index: lo / width });
    return Buffer.isBuffer(h) ? h : Buffer.from(h);
  }
  const k = splitPoint(width);
  return hashChildren(rangeHash(lo, lo + k, get), rangeHash(lo + k, hi, get));
}

/**
 * Append leaf `index` to a compact-range frontier (`edge[level]` = the pending left sibling at that level),
 * returning the leaf node and every perfect-subtree node it completes (RFC 6962 §2.1 hashing).
 */
export function appendToFrontier(
  edge: (Buffer | undefined)[],
  index: number,
  leafHash: Buffer,
): (NodeId & { hash: Buffer })[] {
  const nodes: (NodeId & { hash: Buffer })[] = [{ level: 0, index, hash: leafHash }];
  let h = leafHash;
  let level = 0;
  for (; Math.floor(index / 2 ** level) % 2 === 1; level++) {
    h = hashChildren(edge[level] as Buffer, h);
    edge[level] = undefined;
    nodes.push({ level: level + 1, index: Math.floor(index / 2 ** (level + 1)), hash: h });
  }
  edge[level] = h;
  return nodes;
}
