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
