import { describe, expect, it } from 'vitest';
import { appendToFrontier } from './merkle-ranges.ts';
import { hashChildren, hashLeaf, rootFromLeafHashes } from './merkle.ts';

describe('appendToFrontier', () => {
  it('keeps a frontier whose fold equals the RFC 6962 root at every size, and emits each completed node once', () => {
    const edge: (Buffer | undefined)[] = [];
    const leaves: Buffer[] = [];
    const seen = new Set<string>();
    for (let i = 0; i < 70; i++) {
      const leaf = hashLeaf(Buffer.from(`leaf ${i}`));
      leaves.push(leaf);
      const nodes = appendToFrontier(edge, i, leaf);
      for (const n of nodes) {
        const id = `${n.level}/${n.index}`;
        expect(seen.has(id)).toBe(false);
        seen.add(id);
        // a completed node at level L index k is the root of leaves [k·2^L, (k+1)·2^L)
        const span = 2 ** n.level;
        expect(n.hash).toEqual(rootFromLeafHashes(leaves.slice(n.index * span, (n.index + 1) * span)));
      }
      let root: Buffer | undefined;
      for (const h of edge) if (h) root = root ? hashChildren(h, root) : h;
      expect(root).toEqual(rootFromLeafHashes(leaves));
    }
  });
});
