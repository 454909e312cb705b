/**
 * ECDSA verification over a precomputed digest (Rekor hashedrekord verifies the signature over the
 * artifact *digest*; node:crypto has no prehashed ECDSA verify). Jacobian coordinates, NIST a = −3.
 */

interface Curve {
  p: bigint;
  n: bigint;
  b: bigint;
  gx: bigint;
  gy: bigint;
  bits: number;
}

const CURVES: Record<string, Curve> = {
  'P-256': {
    p: 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn,
    n: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
    b: 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn,
    gx: 0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n,
    gy: 0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n,
    bits: 256,
  },
  'P-384': {
    p: 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffffn,
    n: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
    b: 0xb3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aefn,
    gx: 0xaa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7n,
    gy: 0x3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5fn,
    bits: 384,
  },
};

type Jac = [bigint, bigint, bigint];

function mod(a: bigint, m: bigint): bigint {
  const r = a % m;
  return r < 0n ? r + m : r;
}

function inv(a: bigint, m: bigint): bigint {
  let [r0, r1, t0, t1] = [mod(a, m), m, 1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [t0, t1] = [t1, t0 - q * t1];
  }
  return mod(t0, m);
}

function dbl([x, y, z]: Jac, p: bigint): Jac {
  if (y === 0n || z === 0n) return [0n, 1n, 0n];
  const delta = mod(z * z, p);
  const gamma = mod(y * y, p);
  const beta = mod(x * gamma, p);
  const alpha = mod(3n * (x - delta) * (x + delta), p);
  const x3 = mod(alpha * alpha - 8n * beta, p);
  const z3 = mod((y + z) * (y + z) - gamma - delta, p);
  const y3 = mod(alpha * (4n * beta - x3) - 8n * gamma * gamma, p);
  return [x3, y3, z3];
}

function add(a: Jac, b: Jac, p: bigint): Jac {
  if (a[2] === 0n) return b;
  if (b[2] === 0n) return a;
  const z1z1 = mod(a[2] * a[2], p);
  const z2z2 = mod(b[2] * b[2], p);
  const u1 = mod(a[0] * z2z2, p);
  const u2 = mod(b[0] * z1z1, p);
  const s1 = mod(a[1] * b[2] * z2z2, p);
  const s2 = mod(b[1] * a[2] * z1z1, p);
  if (u1 === u2) return s1 === s2 ? dbl(a, p) : [0n, 1n, 0n];
  const h = mod(u2 - u1, p);
  const i = mod(4n * h * h, p);
  const j = mod(h * i, p);
  const r = mod(2n * (s2 - s1), p);
  const v = mod(u1 * i, p);
  const x3 = mod(r * r - j - 2n * v, p);
  const y3 = mod(r * (v - x3) - 2n * s1 * j, p);
  const z3 = mod(((a[2] + b[2]) * (a[2] + b[2]) - z1z1 - z2z2) * h, p);
  return [x3, y3, z3];
}

/** u1·G + u2·Q with Shamir's trick. */
function mulAdd(u1: bigint, g: Jac, u2: bigint, q: Jac, p: bigint): Jac {
  const gq = add(g, q, p);
  let r: Jac = [0n, 1n, 0n];
  const bits = Math.max(u1.toString(2).length, u2.toString(2).length);
  for (let i = bits - 1; i >= 0; i--) {
    r = dbl(r, p);
    const b1 = (u1 >> BigInt(i)) & 1n;
    const b2 = (u2 >> BigInt(i)) & 1n;
    if (b1 && b2) r = add(r, gq, p);
    else if (b1) r = add(r, g, p);
    else if (b2) r = add(r, q, p);
  }
  return r;
}

/** Parse an ASN.1 DER ECDSA-Sig-Value; null when malformed. */
export function parseDerSignature(sig: Uint8Array): { r: bigint; s: bigint } | null {
  const b = Buffer.from(sig);
  if (b.length < 8 || b[0] !== 0x30 || b[1] !== b.length - 2) return null;
  const ints: bigint[] = [];
  let o = 2;
  for (let k = 0; k < 2; k++) {
    if (b[o] !== 0x02) return null;
    const len = b[o + 1] ?? 0;
    if (len === 0 || o + 2 + len > b.length) return null;
    ints.push(BigInt(`0x${b.subarray(o + 2, o + 2 + len).toString('hex')}`));
    o += 2 + len;
  }
  if (o !== b.length) return null;
  return { r: ints[0] as bigint, s: ints[1] as bigint };
}

/** Verify a DER ECDSA signature over `digest` for a public point (x, y) on a NIST curve. */
export function verifyEcdsaDigest(
  curveName: string,
  x: bigint,
  y: bigint,
  digest: Uint8Array,
  sig: Uint8Array,
): boolean {
  const c = CURVES[curveName];
  const rs = parseDerSignature(sig);
  if (!c || !rs) return false;
  const { r, s } = rs;
  if (r <= 0n || r >= c.n || s <= 0n || s >= c.n) return false;
  let z = BigInt(`0x${Buffer.from(digest).toString('hex') || '0'}`);
  const excess = digest.length * 8 - c.bits;
  if (excess > 0) z >>= BigInt(excess);
  const w = inv(s, c.n);
  const pt = mulAdd(mod(z * w, c.n), [c.gx, c.gy, 1n], mod(r * w, c.n), [x, y, 1n], c.p);
  if (pt[2] === 0n) return false;
  const zinv = inv(pt[2], c.p);
  const ax = mod(pt[0] * zinv * zinv, c.p);
  return mod(ax, c.n) === r;
}

export function isSupportedCurve(name: string): boolean {
  return name in CURVES;
}
