import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { rootFromLeafHashes, verifyConsistency, verifyInclusion } from '../../core/merkle.ts';
import { appendToFrontier, consistencyRanges, inclusionRanges } from '../../core/merkle-ranges.ts';
import type { NodeId } from '../../core/merkle-ranges.ts';
import { TreeReader } from './proofs.ts';
import type { LogStore, StoredNode } from '../store/store.ts';

const leaves = Array.from({ length: 300 }, (_, i) => createHash('sha256').update(`leaf${i}`).digest());

/** A store that only answers node reads (and counts them). */
function nodeStore(all: Map<string, Buffer>): { store: LogStore; reads: NodeId[] } {
  const reads: NodeId[] = [];
  const store = {
    nodes: async (ids: readonly NodeId[]) =>
      ids.map((id) => {
        reads.push(id);
        const h = all.get(`${id.level}/${id.index}`);
        if (!h) throw new Error(`missing ${id.level}/${id.index}`);
        return h;
      }),
  } as unknown as LogStore;
  return { store, reads };
}

describe('TreeReader', () => {
  it('answers proofs from a small cache generation, reading evicted nodes from the store', async () => {
    const edge: (Buffer | undefined)[] = [];
    const nodes: StoredNode[] = leaves.flatMap((h, i) => appendToFrontier(edge, i, h));
    const { store, reads } = nodeStore(new Map(nodes.map((n) => [`${n.level}/${n.index}`, n.hash])));
    const t = new TreeReader(store, 16);
    t.remember(nodes);
    const size = leaves.length;
    const root = rootFromLeafHashes(leaves);
    expect(await t.rootAt(size)).toEqual(root);
    for (const i of [0, 1, 100, 255, 256, 298, 299]) {
      const proof = await t.hashes(inclusionRanges(i, size), size);
      verifyInclusion(i, size, leaves[i]!, proof, root);
    }
    expect(reads.length).toBeGreaterThan(0); // old low nodes were evicted and came from the store
    expect(reads.every((id) => id.level < 8)).toBe(true); // upper nodes stay cached
    const before = reads.length;
    await t.hashes(inclusionRanges(299, size), size); // the newest nodes are cached
    expect(reads.length).toBe(before);
    for (const m of [1, 7, 128, 200]) {
      const proof = await t.hashes(consistencyRanges(m, size), size);
      verifyConsistency(m, size, proof, rootFromLeafHashes(leaves.slice(0, m)), root);
    }
  });
});

/** Every perfect node of a tree (what a store keeps); proofs must come from these alone. */
function perfectNodes(hashes: Buffer[]): Map<string, Buffer> {
  const m = new Map<string, Buffer>();
  for (let level = 0; 2 ** level <= hashes.length; level++)
    for (let i = 0; (i + 1) * 2 ** level <= hashes.length; i++)
      m.set(`${level}/${i}`, rootFromLeafHashes(hashes.slice(i * 2 ** level, (i + 1) * 2 ** level)));
  return m;
}

describe('TreeReader proofs from stored perfect nodes (RFC 6962 PATH / SUBPROOF)', () => {
  const few = leaves.slice(0, 70);
  const all = perfectNodes(few);

  it('inclusion proofs verify for every index of every size up to 70, reading O(log n) nodes', async () => {
    for (let n = 1; n <= 70; n++) {
      const root = rootFromLeafHashes(few.slice(0, n));
      for (let m = 0; m < n; m++) {
        const { store, reads } = nodeStore(all);
        const proof = await new TreeReader(store).hashes(inclusionRanges(m, n), n);
        expect(reads.length).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(n + 1)));
        verifyInclusion(m, n, few[m]!, proof, root);
      }
    }
  });

  it('consistency proofs verify for every pair of sizes up to 70', async () => {
    for (let n = 1; n <= 70; n++) {
      const root = rootFromLeafHashes(few.slice(0, n));
      const t = new TreeReader(nodeStore(all).store);
      for (let m = 1; m <= n; m++) {
        const proof = await t.hashes(consistencyRanges(m, n), n);
        verifyConsistency(m, n, proof, rootFromLeafHashes(few.slice(0, m)), root);
      }
    }
  });

  it('a tampered stored node breaks the proof', async () => {
    const bad = new Map(all);
    bad.set('0/2', Buffer.alloc(32)); // leaf 2 is the first sibling on leaf 3's path
    const proof = await new TreeReader(nodeStore(bad).store).hashes(inclusionRanges(3, 10), 10);
    expect(() => verifyInclusion(3, 10, few[3]!, proof, rootFromLeafHashes(few.slice(0, 10)))).toThrow(
      /does not match/,
    );
  });
});
