import { createHash, createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadPublicKey, signData, signEd25519ph, verifyEd25519ph, verifySignature } from './index.ts';

const hex = (s: string) => Buffer.from(s, 'hex');
/** RFC 8032 §7.3, test 1 (Ed25519ph, message "abc"). */
const RFC = {
  secretKey: hex('833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42'),
  publicKey: hex('ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf'),
  digest: createHash('sha512').update('abc').digest(),
  sig: hex(
    '98a70222f0b8121aa9d30f813d683f809e462b469c7ff87639499bb94e6dae41' +
      '31f85042463c2a355a2003d062adf5aaa10b8c61e636062aaad11c2a26083406',
  ),
};
const rfcKey = createPrivateKey({
  key: {
    kty: 'OKP',
    crv: 'Ed25519',
    d: RFC.secretKey.toString('base64url'),
    x: RFC.publicKey.toString('base64url'),
  },
  format: 'jwk',
});
const REKOR = new URL('../../test/vectors/rekor-algorithms/', import.meta.url).pathname;

describe('Ed25519ph (RFC 8032 §5.1, dom2(1, ""))', () => {
  it('signs the RFC 8032 §7.3 vector byte for byte', () => {
    expect(signEd25519ph(rfcKey, RFC.digest).toString('hex')).toBe(RFC.sig.toString('hex'));
  });

  it('verifies the RFC vector and Rekor test data made by openssl (instance ed25519ph)', () => {
    expect(verifyEd25519ph(RFC.publicKey, RFC.digest, RFC.sig)).toBe(true);
    const pub = loadPublicKey(readFileSync(`${REKOR}ed25519_public.pem`));
    const raw = pub.der.subarray(-32);
    const file1 = readFileSync(`${REKOR}file1`);
    const digest = createHash('sha512').update(file1).digest();
    expect(verifyEd25519ph(raw, digest, readFileSync(`${REKOR}file1.ed25519ph.sig`))).toBe(true);
    expect(verifyEd25519ph(raw, digest, readFileSync(`${REKOR}file1.ed25519.sig`))).toBe(false);
    // verifySignature takes either scheme over the message
    expect(verifySignature(pub, file1, readFileSync(`${REKOR}file1.ed25519ph.sig`))).toBe(true);
    expect(verifySignature(pub, file1, readFileSync(`${REKOR}file1.ed25519.sig`))).toBe(true);
    expect(
      verifySignature(pub, readFileSync(`${REKOR}file2`), readFileSync(`${REKOR}file1.ed25519ph.sig`)),
    ).toBe(false);
  });

  it('round-trips fresh keys; signData picks Ed25519ph only when asked', () => {
    for (let i = 0; i < 8; i++) {
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
      const msg = Buffer.from(`message ${i}`);
      const ph = signData(privateKey, 'ed25519', msg, true);
      expect(verifyEd25519ph(raw, createHash('sha512').update(msg).digest(), ph)).toBe(true);
      const pure = signData(privateKey, 'ed25519', msg, false);
      expect(pure.equals(sign(null, msg, privateKey))).toBe(true);
      expect(ph.equals(pure)).toBe(false);
    }
  });

  it('refuses every single-bit change of signature, digest and key', () => {
    for (const [name, field] of [
      ['sig', RFC.sig],
      ['digest', RFC.digest],
      ['publicKey', RFC.publicKey],
    ] as const)
      for (let bit = 0; bit < field.length * 8; bit += 7) {
        const t = Buffer.from(field);
        t[bit >> 3] = (t[bit >> 3] ?? 0) ^ (1 << (bit & 7));
        const args = { ...RFC, [name]: t };
        expect(verifyEd25519ph(args.publicKey, args.digest, args.sig), `${name} bit ${bit}`).toBe(false);
      }
  });

  it('refuses a plain Ed25519 signature of the digest, S ≥ L, wrong lengths and a key that is not a point', () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
    const digest = createHash('sha512').update('m').digest();
    expect(verifyEd25519ph(raw, digest, sign(null, digest, privateKey))).toBe(false);
    const highS = Buffer.from(RFC.sig);
    highS.fill(0xff, 32);
    expect(verifyEd25519ph(RFC.publicKey, RFC.digest, highS)).toBe(false);
    expect(verifyEd25519ph(RFC.publicKey, RFC.digest.subarray(0, 32), RFC.sig)).toBe(false);
    expect(verifyEd25519ph(RFC.publicKey.subarray(1), RFC.digest, RFC.sig)).toBe(false);
    expect(verifyEd25519ph(Buffer.alloc(32, 0xff), RFC.digest, RFC.sig)).toBe(false);
    expect(() => signEd25519ph(rfcKey, RFC.digest.subarray(0, 32))).toThrow(RangeError);
  });
});
