import { createHash, hash } from 'node:crypto';
import { ChainsError } from './errors.ts';

/** RFC 6962 / RFC 9162 Merkle tree hashing and proof verification (https://www.rfc-editor.org/rfc/rfc6962). */

export type MerkleErrorCode = 'INVALID_PROOF' | 'ROOT_MISMATCH';
export class MerkleError extends ChainsError<MerkleErrorCode> {}

const LEAF_PREFIX = Buffer.from([0]);
/** 0x01 ‖ l ‖ r, reused: a one-shot hash of one buffer costs about half of a Hash object's three updates. */
const pair = Buffer.alloc(65, 1);
const MAX_SIZE = (1n << 64n) - 1n;

/** leafHash(d) = SHA-256(0x00 ‖ d). */
export function hashLeaf(data: Uint8Array): Buffer {
  return createHash('sha256').update(LEAF_PREFIX).update(data).digest();
}

/** nodeHash(l, r) = SHA-256(0x01 ‖ l ‖ r). */
export function hashChildren(left: Uint8Array, right: Uint8Array): Buffer {
  if (left.length !== 32 || right.length !== 32)
    return createHash('sha256').update(pair.subarray(0, 1)).update(left).update(right).digest();
  pair.set(left, 1);
  pair.set(right, 33);
  return hash('sha256', pair, 'buffer') as Buffer;
}

/** MTH of the empty list: SHA-256(""). */
export function emptyRoot(): Buffer {
  return createHash('sha256').digest();
}

/** Largest power of two strictly less than n (n > 1), RFC 6962 §2.1. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** Reference MTH over all leaf hashes in memory (tests and tiny trees only). */
export function rootFromLeafHashes(leaves: readonly Uint8Array[]): Buffer {
  if (leaves.length === 0) return emptyRoot();
  if (leaves.length === 1) return Buffer.from(leaves[0] as Uint8Array);
  const k = splitPoint(leaves.length);
  return hashChildren(rootFromLeafHashes(leaves.slice(0, k)), rootFromLeafHashes(leaves.slice(k)));
}

function big(n: number | bigint, what: string): bigint {
  if (typeof n === 'number' && (!Number.isInteger(n) || n < 0))
    throw new MerkleError('INVALID_PROOF', `${what} must be a non-negative integer`);
  const b = BigInt(n);
  if (b < 0n || b > MAX_SIZE) throw new MerkleError('INVALID_PROOF', `${what} out of range`);
  return b;
}

function bitLength(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}

function popCount(x: bigint): number {
  let c = 0;
  for (const ch of x.toString(2)) if (ch === '1') c++;
  return c;
}

function checkHashes(proof: readonly Uint8Array[], ...named: [string, Uint8Array][]): void {
  for (const [name, h] of named)
    if (h.length !== 32) throw new MerkleError('INVALID_PROOF', `${name} must be 32 bytes, got ${h.length}`);
  proof.forEach((p, i) => {
    if (p.length !== 32)
      throw new MerkleError('INVALID_PROOF', `proof[${i}] must be 32 bytes, got ${p.length}`);
  });
}

/** Root implied by an inclusion proof (RFC 9162 §2.1.3.2). Throws on malformed input. */
export function rootFromInclusionProof(
  index: number | bigint,
  size: number | bigint,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
): Buffer {
  const idx = big(index, 'leaf index');
  const n = big(size, 'tree size');
  if (idx >= n) throw new MerkleError('INVALID_PROOF', `leaf index ${idx} is beyond tree size ${n}`);
  checkHashes(proof, ['leaf hash', leafHash]);
  const inner = bitLength(idx ^ (n - 1n));
  const border = popCount(idx >> BigInt(inner));
  if (proof.length !== inner + border)
    throw new MerkleError('INVALID_PROOF', `wrong proof size ${proof.length}, want ${inner + border}`);
  let r: Buffer = Buffer.from(leafHash);
  for (let i = 0; i < inner; i++) {
    const p = proof[i] as Uint8Array;
    r = ((idx >> BigInt(i)) & 1n) === 1n ? hashChildren(p, r) : hashChildren(r, p);
  }
  for (let i = inner; i < proof.length; i++) r = hashChildren(proof[i] as Uint8Array, r);
  return r;
}

/** Verify that `leafHash` is at `index` in the tree of `size` leaves with `root`. Throws MerkleError. */
export function verifyInclusion(
  index: number | bigint,
  size: number | bigint,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): void {
  if (root.length !== 32) throw new MerkleError('INVALID_PROOF', `root must be 32 bytes, got ${root.length}`);
  const got = rootFromInclusionProof(index, size, leafHash, proof);
  if (!got.equals(root))
    throw new MerkleError(
      'ROOT_MISMATCH',
      `calculated root ${got.toString('hex')} does not match expected root`,
    );
}

/** Verify a consistency proof from (size1, root1) to (size2, root2), RFC 9162 §2.1.4.2. Throws MerkleError. */
export function verifyConsistency(
  size1: number | bigint,
  size2: number | bigint,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): void {
  const m = big(size1, 'first size');
  const n = big(size2, 'second size');
  if (m > n) throw new MerkleError('INVALID_PROOF', `first size ${m} is greater than second size ${n}`);
  if (m === 0n) throw new MerkleError('INVALID_PROOF', 'consistency from an empty tree is meaningless');
  if (m === n) {
    if (proof.length !== 0) throw new MerkleError('INVALID_PROOF', 'proof must be empty for equal sizes');
    if (!Buffer.from(root1).equals(root2))
      throw new MerkleError('ROOT_MISMATCH', 'roots differ for equal sizes');
    return;
  }
  checkHashes(proof, ['first root', root1], ['second root', root2]);
  if (proof.length === 0) throw new MerkleError('INVALID_PROOF', 'empty consistency proof');
  const path = (m & (m - 1n)) === 0n ? [root1, ...proof] : [...proof];
  let fn = m - 1n;
  let sn = n - 1n;
  while ((fn & 1n) === 1n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  let fr: Buffer = Buffer.from(path[0] as Uint8Array);
  let sr: Buffer = Buffer.from(fr);
  for (const c of path.slice(1)) {
    if (sn === 0n) throw new MerkleError('INVALID_PROOF', 'consistency proof is too long');
    if ((fn & 1n) === 1n || fn === sn) {
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      sr = hashChildren(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) throw new MerkleError('INVALID_PROOF', 'consistency proof is too short');
  if (!fr.equals(root1)) throw new MerkleError('ROOT_MISMATCH', 'first root does not match the proof');
  if (!sr.equals(root2)) throw new MerkleError('ROOT_MISMATCH', 'second root does not match the proof');
}
