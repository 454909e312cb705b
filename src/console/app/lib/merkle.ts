import { concat, equalBytes, sha256 } from './bytes.ts';

/** RFC 6962 hashing for the browser (https://www.rfc-editor.org/rfc/rfc6962): leaf = H(0x00‖d), node = H(0x01‖l‖r). */
export const leafHash = (data: Uint8Array): Promise<Uint8Array> => sha256(concat(new Uint8Array([0]), data));
export const nodeHash = (l: Uint8Array, r: Uint8Array): Promise<Uint8Array> =>
  sha256(concat(new Uint8Array([1]), l, r));

/** One step up the tree: the sibling (left or right of the running hash) and the hash it gives. */
export interface PathStep {
  level: number;
  side: 'left' | 'right';
  sibling: Uint8Array;
  result: Uint8Array;
}

export interface InclusionResult {
  ok: boolean;
  steps: PathStep[];
  computedRoot: Uint8Array;
  reason?: string;
}

/**
 * RFC 9162 §2.1.3.2 inclusion verification, keeping every step so the page can draw the path. Index and size
 * stay below 2^53, so halving uses floor division instead of 32-bit shifts.
 */
export async function checkInclusion(
  index: number,
  size: number,
  leaf: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): Promise<InclusionResult> {
  const steps: PathStep[] = [];
  if ([leaf, root, ...proof].some((h) => h.length !== 32))
    return { ok: false, steps, computedRoot: leaf, reason: 'a hash is not 32 bytes' };
  if (!(index >= 0 && index < size))
    return { ok: false, steps, computedRoot: leaf, reason: 'index beyond tree' };
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const [level, p] of proof.entries()) {
    if (sn === 0) return { ok: false, steps, computedRoot: r, reason: 'proof is too long' };
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(p, r);
      steps.push({ level, side: 'left', sibling: p, result: r });
      if (fn % 2 === 0) while (fn % 2 === 0 && fn !== 0) [fn, sn] = [fn / 2, Math.floor(sn / 2)];
    } else {
      r = await nodeHash(r, p);
      steps.push({ level, side: 'right', sibling: p, result: r });
    }
    [fn, sn] = [Math.floor(fn / 2), Math.floor(sn / 2)];
  }
  if (sn !== 0) return { ok: false, steps, computedRoot: r, reason: 'proof is too short' };
  if (!equalBytes(r, root))
    return { ok: false, steps, computedRoot: r, reason: 'computed root differs from the checkpoint root' };
  return { ok: true, steps, computedRoot: r };
}
