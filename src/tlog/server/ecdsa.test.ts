import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDerSignature, verifyEcdsaDigest } from './ecdsa.ts';

const N = {
  'P-256': 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  'P-384':
    0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
} as const;

function keyPair(curve: 'P-256' | 'P-384') {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
  const jwk = publicKey.export({ format: 'jwk' });
  const big = (s?: string) => BigInt(`0x${Buffer.from(s ?? '', 'base64url').toString('hex')}`);
  return { privateKey, x: big(jwk.x), y: big(jwk.y) };
}

/** DER SEQUENCE of two INTEGERs (minimal, with a leading 0 when the top bit is set). */
function der(r: bigint, s: bigint): Buffer {
  const int = (v: bigint) => {
    let h = v.toString(16);
    if (h.length % 2) h = `0${h}`;
    let b = Buffer.from(h, 'hex');
    if ((b[0] ?? 0) & 0x80) b = Buffer.concat([Buffer.of(0), b]);
    return Buffer.concat([Buffer.of(2, b.length), b]);
  };
  const body = Buffer.concat([int(r), int(s)]);
  return Buffer.concat([Buffer.of(0x30, body.length), body]);
}

const cases = [
  { curve: 'P-256', hash: 'sha256' },
  { curve: 'P-256', hash: 'sha512' }, // digest longer than the order: leftmost 256 bits, as OpenSSL and Go
  { curve: 'P-384', hash: 'sha384' },
  { curve: 'P-384', hash: 'sha256' },
] as const;

describe('ECDSA over a digest (hashedrekord)', () => {
  for (const { curve, hash } of cases) {
    const k = keyPair(curve);
    const other = keyPair(curve);
    const signDigest = (msg: Buffer, key: KeyObject = k.privateKey) => ({
      digest: createHash(hash).update(msg).digest(),
      sig: sign(hash, msg, key),
    });

    it(`${curve}/${hash}: agrees with OpenSSL on valid, tampered and foreign signatures`, () => {
      fc.assert(
        fc.property(fc.uint8Array({ minLength: 0, maxLength: 64 }), fc.nat(7), (m, bit) => {
          const { digest, sig } = signDigest(Buffer.from(m));
          expect(verifyEcdsaDigest(curve, k.x, k.y, digest, sig)).toBe(true);
          const flipped = Buffer.from(digest);
          flipped[0] = (flipped[0] ?? 0) ^ (1 << bit);
          expect(verifyEcdsaDigest(curve, k.x, k.y, flipped, sig)).toBe(false);
          expect(verifyEcdsaDigest(curve, other.x, other.y, digest, sig)).toBe(false);
        }),
        { numRuns: 40 },
      );
    });

    it(`${curve}/${hash}: high-S accepted (as Go's ecdsa.Verify), out-of-range and malformed refused`, () => {
      const { digest, sig } = signDigest(Buffer.from('payload'));
      const { r, s } = parseDerSignature(sig) ?? { r: 0n, s: 0n };
      const n = N[curve];
      expect(verifyEcdsaDigest(curve, k.x, k.y, digest, der(r, n - s))).toBe(true);
      for (const bad of [der(0n, s), der(r, 0n), der(r + n, s), der(r, s + n), der(s, r)])
        expect(verifyEcdsaDigest(curve, k.x, k.y, digest, bad)).toBe(false);
      expect(verifyEcdsaDigest(curve, k.x, k.y, digest, sig.subarray(0, sig.length - 1))).toBe(false);
      expect(verifyEcdsaDigest(curve, k.x, k.y + 1n, digest, sig)).toBe(false); // not a curve point
      expect(verifyEcdsaDigest('P-521', k.x, k.y, digest, sig)).toBe(false);
    });
  }
});
