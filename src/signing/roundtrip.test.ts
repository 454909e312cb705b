import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseEnvelope } from '../core/dsse.ts';
import { privateKeyMaterial } from '../keys/index.ts';
import { verifyBlob } from '../verify/blob.ts';
import { verifyDsse } from '../verify/dsse.ts';
import { KeySigner, signDsse, signRaw } from './index.ts';

const signers: [string, KeySigner][] = [
  [
    'ecdsa-p256',
    new KeySigner(privateKeyMaterial(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey)),
  ],
  [
    'ecdsa-p521',
    new KeySigner(privateKeyMaterial(generateKeyPairSync('ec', { namedCurve: 'secp521r1' }).privateKey)),
  ],
  [
    'rsa-2048',
    new KeySigner(privateKeyMaterial(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey)),
  ],
  ['ed25519', new KeySigner(privateKeyMaterial(generateKeyPairSync('ed25519').privateKey))],
];

const flip = (b: Uint8Array, i: number, bit: number): Buffer => {
  const c = Buffer.from(b);
  c[i % c.length] = (c[i % c.length] ?? 0) ^ (1 << bit);
  return c;
};

describe.each(signers)('%s: sign -> verify round trips, any tamper fails', (_name, signer) => {
  it('DSSE: payload back byte for byte; a flipped payload bit or signature bit fails', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 1, maxLength: 512 }),
        fc.string({ minLength: 1, maxLength: 40 }),
        fc.nat(),
        fc.integer({ min: 0, max: 7 }),
        async (payload, payloadType, at, bit) => {
          const rec = await signDsse(signer, payloadType, payload);
          expect(verifyDsse(rec.bytes, signer.publicKey)).toEqual(Buffer.from(payload));
          const env = parseEnvelope(rec.bytes.toString('utf8'));
          const badPayload = { ...env, payload: flip(payload, at, bit).toString('base64') };
          expect(() => verifyDsse(badPayload, signer.publicKey)).toThrow();
          const sig = Buffer.from(rec.signature, 'base64');
          const badSig = { ...env, signatures: [{ keyid: '', sig: flip(sig, at, bit).toString('base64') }] };
          expect(() => verifyDsse(badSig, signer.publicKey)).toThrow();
        },
      ),
      { numRuns: 40 },
    );
  });

  it('raw: verifyBlob accepts, flipped blob or signature bits fail', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 1, maxLength: 256 }),
        fc.nat(),
        fc.integer({ min: 0, max: 7 }),
        async (blob, at, bit) => {
          const rec = await signRaw(signer, blob);
          verifyBlob(signer.publicKey, blob, rec.signature);
          expect(() => verifyBlob(signer.publicKey, flip(blob, at, bit), rec.signature)).toThrow();
          expect(() =>
            verifyBlob(signer.publicKey, blob, flip(Buffer.from(rec.signature, 'base64'), at, bit)),
          ).toThrow();
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('verifyDsse semantics', () => {
  const [, a] = signers[0] ?? [];
  const [, b] = signers[3] ?? [];
  if (!a || !b) throw new Error('signers missing');

  it('ignores keyid (wrong or empty keyid still verifies) and accepts any matching signature', async () => {
    const ra = parseEnvelope((await signDsse(a, 't', Buffer.from('p'))).bytes.toString());
    const rb = parseEnvelope((await signDsse(b, 't', Buffer.from('p'))).bytes.toString());
    const both = {
      ...ra,
      signatures: [
        { keyid: 'bogus', sig: rb.signatures[0]?.sig ?? '' },
        { keyid: '', sig: ra.signatures[0]?.sig ?? '' },
      ],
    };
    expect(verifyDsse(both, a.publicKey).toString()).toBe('p');
    expect(verifyDsse(both, b.publicKey).toString()).toBe('p');
  });

  it('payloadType is bound by PAE and can be required', async () => {
    const rec = await signDsse(a, 'application/vnd.in-toto+json', Buffer.from('{}'));
    const env = parseEnvelope(rec.bytes.toString());
    expect(() => verifyDsse({ ...env, payloadType: 'application/json' }, a.publicKey)).toThrow(
      expect.objectContaining({ code: 'SIGNATURE_MISMATCH' }),
    );
    expect(() => verifyDsse(rec.bytes, a.publicKey, 'text/plain')).toThrow(
      expect.objectContaining({ code: 'PAYLOAD_TYPE_MISMATCH' }),
    );
  });

  it('malformed envelopes are INVALID_ENVELOPE', () => {
    for (const bad of [
      '{',
      '{}',
      '{"payloadType":"t","payload":"e30=","signatures":[]}',
      '{"payloadType":"t","payload":"e30=!","signatures":[{"sig":"AA=="}]}',
    ])
      expect(() => verifyDsse(bad, a.publicKey), bad).toThrow(
        expect.objectContaining({ code: 'INVALID_ENVELOPE' }),
      );
  });
});
