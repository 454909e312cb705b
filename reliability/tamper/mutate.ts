import { ChainsError } from '../../src/core/errors.ts';

/**
 * Systematic tampering: bit flips and truncations of an artifact's bytes, each handed to the real verifier.
 * A mutation is `rejected` (the verifier throws), `inert` (accepted with exactly the original verified
 * content: the byte was outside anything that carries meaning, e.g. an unsigned DSSE keyid hint) or `forged`
 * (accepted with different content: the goal is 0).
 */
export interface Artifact {
  name: string;
  bytes: Buffer;
  /** The real verification path; returns a canonical description of what was accepted, throws to reject. */
  verify(bytes: Buffer): Promise<string>;
  /** verifications that may run at once (scrypt-bound key files benefit from the libuv pool) */
  concurrency?: number;
}

export interface Density {
  /** flip all 8 bits of each visited byte when the artifact is at most this long, else one rotating bit */
  allBitsUpTo: number;
  /** visit every `stride`-th byte for flips and every `stride`-th length for truncations */
  stride: number;
}

export interface Mutation {
  label: string;
  bytes: Buffer;
}

export interface TamperCounts {
  artifact: string;
  bytes: number;
  mutations: number;
  rejected: number;
  inert: number;
  forged: number;
  /** rejections by an exception that is not a coded ChainsError (still rejected, but a defect) */
  uncoded: number;
  /** a few labelled examples of inert, forged and uncoded cases */
  examples: string[];
}

export function* mutations(bytes: Buffer, d: Density): Generator<Mutation> {
  const allBits = bytes.length <= d.allBitsUpTo;
  for (let i = 0; i < bytes.length; i += d.stride) {
    const bits = allBits ? [0, 1, 2, 3, 4, 5, 6, 7] : [i % 8];
    for (const bit of bits) {
      const b = Buffer.from(bytes);
      b[i] = (b[i] ?? 0) ^ (1 << bit);
      yield { label: `flip byte ${i} bit ${bit}`, bytes: b };
    }
  }
  for (let n = 0; n < bytes.length; n += d.stride)
    yield { label: `truncate to ${n} bytes`, bytes: bytes.subarray(0, n) };
}

function note(c: TamperCounts, line: string): void {
  if (c.examples.length < 12) c.examples.push(line);
}

async function classify(a: Artifact, m: Mutation, original: string, c: TamperCounts): Promise<void> {
  let got: string;
  try {
    got = await a.verify(m.bytes);
  } catch (e) {
    c.rejected++;
    if (!(e instanceof ChainsError)) {
      c.uncoded++;
      note(
        c,
        `uncoded ${(e as Error)?.constructor?.name}: ${m.label}: ${(e as Error).message?.slice(0, 120)}`,
      );
    }
    return;
  }
  if (got === original) {
    c.inert++;
    const i = /byte (\d+)/.exec(m.label)?.[1];
    const ctx =
      i === undefined ? '' : JSON.stringify(m.bytes.subarray(Math.max(0, +i - 12), +i + 12).toString());
    note(c, `inert: ${m.label} ${ctx}`);
  } else {
    c.forged++;
    note(c, `FORGED: ${m.label}`);
  }
}

/** Run every mutation of `a` through its verifier; the unmodified artifact must verify first. */
export async function tamper(a: Artifact, d: Density): Promise<TamperCounts> {
  const original = await a.verify(a.bytes);
  const c: TamperCounts = {
    artifact: a.name,
    bytes: a.bytes.length,
    mutations: 0,
    rejected: 0,
    inert: 0,
    forged: 0,
    uncoded: 0,
    examples: [],
  };
  const it = mutations(a.bytes, d);
  const worker = async (): Promise<void> => {
    for (let r = it.next(); !r.done; r = it.next()) {
      c.mutations++;
      await classify(a, r.value, original, c);
    }
  };
  await Promise.all(Array.from({ length: a.concurrency ?? 1 }, worker));
  return c;
}
