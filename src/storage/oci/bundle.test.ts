import { hash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildBundle } from './bundle.ts';

const PEM =
  '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEArjA+MUBpw8pkA3AM8rGSmuBkk6aFBq+VS4khVB9o9jI=\n-----END PUBLIC KEY-----\n';

describe('buildBundle: message signatures record the digest the key signs', () => {
  it.each([
    [undefined, 'SHA2_256', 'sha256'],
    ['sha256', 'SHA2_256', 'sha256'],
    ['sha384', 'SHA2_384', 'sha384'],
    ['sha512', 'SHA2_512', 'sha512'],
  ] as const)('digestAlgorithm %s -> %s', (digestAlgorithm, proto, alg) => {
    const bytes = Buffer.from('{"critical":{}}');
    const json = JSON.parse(
      buildBundle({
        kind: 'simplesigning',
        bytes,
        signature: 'c2ln',
        identity: { kind: 'publicKey', publicKeyPem: PEM },
        ...(digestAlgorithm ? { digestAlgorithm } : {}),
      }).toString(),
    ) as { messageSignature: { messageDigest: { algorithm: string; digest: string } } };
    expect(json.messageSignature.messageDigest).toEqual({
      algorithm: proto,
      digest: hash(alg, bytes, 'base64'),
    });
  });
});
