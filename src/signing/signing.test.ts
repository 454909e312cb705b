import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseEnvelope, preAuthEncoding } from '../core/dsse.ts';
import { keyFingerprint, privateKeyMaterial, verifySignature } from '../keys/index.ts';
import type { PrivateKeyMaterial } from '../keys/index.ts';
import { KeySigner, signDsse, signRaw, signSimpleSigning, simpleSigningPayload } from './index.ts';

const DIGEST = 'sha256:' + 'ab'.repeat(32);

function keys(): [string, PrivateKeyMaterial][] {
  const ec = (namedCurve: string) => privateKeyMaterial(generateKeyPairSync('ec', { namedCurve }).privateKey);
  return [
    ['ecdsa-p256', ec('prime256v1')],
    ['ecdsa-p384', ec('secp384r1')],
    ['ecdsa-p521', ec('secp521r1')],
    ['rsa-2048', privateKeyMaterial(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey)],
    ['ed25519', privateKeyMaterial(generateKeyPairSync('ed25519').privateKey)],
  ];
}

describe('simpleSigningPayload (https://github.com/sigstore/cosign/blob/main/specs/SIGNATURE_SPEC.md)', () => {
  it('is byte-identical to cosign for a plain image', () => {
    const got = simpleSigningPayload('registry.local:5000/team/app', DIGEST).toString('utf8');
    expect(got).toBe(
      '{"critical":{"identity":{"docker-reference":"registry.local:5000/team/app"},' +
        `"image":{"docker-manifest-digest":"${DIGEST}"},"type":"cosign container image signature"},"optional":null}`,
    );
  });

  it('escapes <, >, & as Go does and sorts annotation keys', () => {
    const got = simpleSigningPayload('r/a&b', DIGEST, { z: '<x>', a: '1' }).toString('utf8');
    expect(got).toContain('"docker-reference":"r/a\\u0026b"');
    expect(got.endsWith('"optional":{"a":"1","z":"\\u003cx\\u003e"}}')).toBe(true);
  });

  it('rejects a malformed digest', () => {
    expect(() => simpleSigningPayload('r/a', 'sha256:abc')).toThrow(/invalid sha256 digest/);
  });
});

describe('signers over every key type', () => {
  for (const [name, material] of keys()) {
    it(`${name}: DSSE envelope as Chains writes it, signature over PAE`, async () => {
      const signer = new KeySigner(material);
      const statement = Buffer.from('{"_type":"https://in-toto.io/Statement/v0.1"}');
      const rec = await signDsse(signer, 'application/vnd.in-toto+json', statement);
      const text = rec.bytes.toString('utf8');
      const env = parseEnvelope(text);
      const keyid = keyFingerprint(material.publicKey);
      expect(text).toBe(
        `{"payloadType":"application/vnd.in-toto+json","payload":"${statement.toString('base64')}",` +
          `"signatures":[{"keyid":"${keyid}","sig":"${rec.signature}"}]}`,
      );
      const sig = Buffer.from(env.signatures[0]?.sig ?? '', 'base64');
      expect(verifySignature(material.publicKey, preAuthEncoding(env.payloadType, statement), sig)).toBe(
        true,
      );
      expect(verifySignature(material.publicKey, statement, sig)).toBe(false);
      expect(rec.identity).toEqual({ kind: 'publicKey', publicKeyPem: material.publicKey.pem });
    });

    it(`${name}: simplesigning and raw signatures verify over the payload bytes`, async () => {
      const signer = new KeySigner(material);
      const img = await signSimpleSigning(signer, 'registry.local/app', DIGEST);
      expect(img.kind).toBe('simplesigning');
      expect(img.bytes).toEqual(simpleSigningPayload('registry.local/app', DIGEST));
      expect(verifySignature(material.publicKey, img.bytes, Buffer.from(img.signature, 'base64'))).toBe(true);
      const raw = await signRaw(signer, Buffer.from('blob'));
      expect(
        verifySignature(material.publicKey, Buffer.from('blob'), Buffer.from(raw.signature, 'base64')),
      ).toBe(true);
    });
  }

  it('ECDSA signatures are ASN.1 DER with the curve hash (P-384 -> SHA-384)', async () => {
    const [, p384] = keys()[1] ?? [];
    if (!p384) throw new Error('missing key');
    const sig = await new KeySigner(p384).sign(Buffer.from('x'));
    expect(sig[0]).toBe(0x30);
    const { verify } = await import('node:crypto');
    expect(verify('sha384', Buffer.from('x'), p384.publicKey.key, sig)).toBe(true);
    expect(verify('sha256', Buffer.from('x'), p384.publicKey.key, sig)).toBe(false);
  });

  it('KeySigner.fromPem decrypts a cosign key once', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const signer = await KeySigner.fromPem(pem, '');
    expect(signer.publicKey.algorithm).toBe('ecdsa-p256');
  });
});
