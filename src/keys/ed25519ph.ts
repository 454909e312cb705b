import { createHash } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import nacl from 'tweetnacl';

/**
 * Ed25519ph (RFC 8032 §5.1, phflag 1, empty context) over a SHA-512 prehash: what cosign signs and Rekor's
 * hashedrekord verifies for Ed25519 keys (sigstore's ed25519ph.go; node:crypto on Node 20 has no Ed25519ph).
 * The field and group arithmetic is tweetnacl's (`nacl.lowlevel`); unpackneg and pack follow its
 * crypto_sign_open, the scalar arithmetic of signing its crypto_sign.
 */

type Gf = Float64Array;
type Point = [Gf, Gf, Gf, Gf];

/** The part of tweetnacl's untyped `lowlevel` export used here. */
interface LowLevel {
  gf(init?: number[]): Gf;
  D: Gf;
  M(o: Gf, a: Gf, b: Gf): void;
  A(o: Gf, a: Gf, b: Gf): void;
  S(o: Gf, a: Gf): void;
  Z(o: Gf, a: Gf, b: Gf): void;
  pow2523(o: Gf, i: Gf): void;
  set25519(r: Gf, a: Gf): void;
  unpack25519(o: Gf, n: Uint8Array): void;
  pack25519(o: Uint8Array, n: Gf): void;
  modL(r: Uint8Array, x: Float64Array): void;
  scalarmult(p: Point, q: Point, s: Uint8Array): void;
  scalarbase(p: Point, s: Uint8Array): void;
  add(p: Point, q: Point): void;
}

const ll = (nacl as unknown as { lowlevel: LowLevel }).lowlevel;
const gf0 = ll.gf();
const gf1 = ll.gf([1]);
/** sqrt(−1) mod p */
const I = ll.gf([
  0xa0b0, 0x4a0e, 0x1b27, 0xc4ee, 0xe478, 0xad2f, 0x1806, 0x2f43, 0xd7a7, 0x3dfb, 0x0099, 0x2b4d, 0xdf0b,
  0x4fc1, 0x2480, 0x2b83,
]);
/** The group order L, little-endian (S must be below it: Go's crypto/ed25519 refuses non-canonical S). */
const L = Buffer.from('edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010', 'hex');
const DOM2 = Buffer.concat([Buffer.from('SigEd25519 no Ed25519 collisions', 'latin1'), Buffer.of(1, 0)]);

const point = (): Point => [ll.gf(), ll.gf(), ll.gf(), ll.gf()];

function bytes(a: Gf): Uint8Array {
  const d = new Uint8Array(32);
  ll.pack25519(d, a);
  return d;
}

const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b));

function lessThanL(s: Uint8Array): boolean {
  for (let i = 31; i >= 0; i--) if ((s[i] ?? 0) !== (L[i] ?? 0)) return (s[i] ?? 0) < (L[i] ?? 0);
  return false;
}

function inv(o: Gf, i: Gf): void {
  const c = ll.gf();
  c.set(i);
  for (let a = 253; a >= 0; a--) {
    ll.S(c, c);
    if (a !== 2 && a !== 4) ll.M(c, c, i);
  }
  o.set(c);
}

function pack(p: Point): Uint8Array {
  const [tx, ty, zi] = [ll.gf(), ll.gf(), ll.gf()];
  inv(zi, p[2]);
  ll.M(tx, p[0], zi);
  ll.M(ty, p[1], zi);
  const r = bytes(ty);
  r[31] = (r[31] ?? 0) ^ (((bytes(tx)[0] ?? 0) & 1) << 7);
  return r;
}

/** −A from its 32-byte encoding; false when it is not a curve point. */
function unpackneg(r: Point, p: Uint8Array): boolean {
  const [t, chk, num, den, den2, den4, den6] = [1, 2, 3, 4, 5, 6, 7].map(() => ll.gf()) as Gf[] as [
    Gf,
    Gf,
    Gf,
    Gf,
    Gf,
    Gf,
    Gf,
  ];
  ll.set25519(r[2], gf1);
  ll.unpack25519(r[1], p);
  ll.S(num, r[1]);
  ll.M(den, num, ll.D);
  ll.Z(num, num, r[2]);
  ll.A(den, r[2], den);
  ll.S(den2, den);
  ll.S(den4, den2);
  ll.M(den6, den4, den2);
  ll.M(t, den6, num);
  ll.M(t, t, den);
  ll.pow2523(t, t);
  ll.M(t, t, num);
  ll.M(t, t, den);
  ll.M(t, t, den);
  ll.M(r[0], t, den);
  ll.S(chk, r[0]);
  ll.M(chk, chk, den);
  if (!same(bytes(chk), bytes(num))) ll.M(r[0], r[0], I);
  ll.S(chk, r[0]);
  ll.M(chk, chk, den);
  if (!same(bytes(chk), bytes(num))) return false;
  if (((bytes(r[0])[0] ?? 0) & 1) === (p[31] ?? 0) >> 7) ll.Z(r[0], gf0, r[0]);
  ll.M(r[3], r[0], r[1]);
  return true;
}

/** x mod L of a little-endian 64-byte value (tweetnacl's reduce). */
function reduce(x: Uint8Array): Uint8Array {
  const out = new Uint8Array(32);
  ll.modL(out, Float64Array.from(x));
  return out;
}

/** SHA-512 over dom2(1, "") and the parts (RFC 8032 §5.1: dom2(phflag, context) prefixes both hashes). */
function hashDom2(...parts: Uint8Array[]): Buffer {
  const h = createHash('sha512').update(DOM2);
  for (const p of parts) h.update(p);
  return h.digest();
}

/**
 * Ed25519ph signature over a SHA-512 `digest` of the message with a private KeyObject (RFC 8032 §5.1.6):
 * r = H(dom2 ‖ prefix ‖ PH(M)), R = r·B, k = H(dom2 ‖ R ‖ A ‖ PH(M)), S = r + k·s mod L.
 */
export function signEd25519ph(privateKey: KeyObject, digest: Uint8Array): Buffer {
  if (digest.length !== 64) throw new RangeError('Ed25519ph signs a 64-byte SHA-512 digest');
  const jwk = privateKey.export({ format: 'jwk' });
  const seed = Buffer.from(jwk.d ?? '', 'base64url');
  const publicKey = Buffer.from(jwk.x ?? '', 'base64url');
  const h = createHash('sha512').update(seed).digest();
  seed.fill(0);
  const s = h.subarray(0, 32);
  s[0] = (s[0] ?? 0) & 248;
  s[31] = ((s[31] ?? 0) & 127) | 64;
  const r = reduce(hashDom2(h.subarray(32), digest));
  const p = point();
  ll.scalarbase(p, r);
  const rBytes = pack(p);
  const k = reduce(hashDom2(rBytes, publicKey, digest));
  const x = new Float64Array(64);
  for (let i = 0; i < 32; i++) x[i] = r[i] ?? 0;
  for (let i = 0; i < 32; i++)
    for (let j = 0; j < 32; j++) x[i + j] = (x[i + j] ?? 0) + (k[i] ?? 0) * (s[j] ?? 0);
  const sBytes = new Uint8Array(32);
  ll.modL(sBytes, x);
  h.fill(0);
  return Buffer.concat([rBytes, sBytes]);
}

/** Verify an Ed25519ph signature by a raw 32-byte public key over a SHA-512 digest of the message. */
export function verifyEd25519ph(publicKey: Uint8Array, digest: Uint8Array, sig: Uint8Array): boolean {
  if (publicKey.length !== 32 || digest.length !== 64 || sig.length !== 64) return false;
  const rBytes = sig.subarray(0, 32);
  const s = sig.subarray(32);
  if (!lessThanL(s)) return false;
  const q = point();
  if (!unpackneg(q, publicKey)) return false;
  const k = reduce(hashDom2(rBytes, publicKey, digest));
  const p = point();
  ll.scalarmult(p, q, k);
  const b = point();
  ll.scalarbase(b, s);
  ll.add(p, b);
  return same(pack(p), rBytes);
}
