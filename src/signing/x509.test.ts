import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateKeyPair } from '../keys/index.ts';
import { signerContract } from './contract.ts';
import { loadSigner, type SigningSecretData } from './registry.ts';
import { keySecretData } from './x509.ts';

const pkcs8 = (k: ReturnType<typeof generateKeyPairSync>['privateKey']): Buffer =>
  Buffer.from(k.export({ type: 'pkcs8', format: 'pem' }));

let cosign: Promise<Awaited<ReturnType<typeof generateKeyPair>>> | undefined;
const cosignPair = () => (cosign ??= generateKeyPair('pw'));

signerContract({
  name: 'x509',
  accepts: async () => {
    const pair = await cosignPair();
    return [
      [
        'cosign.key (P-256) + cosign.password',
        { secret: { 'cosign.key': Buffer.from(pair.privateKeyPem), 'cosign.password': Buffer.from('pw') } },
      ],
      [
        'x509.pem P-384',
        { secret: { 'x509.pem': pkcs8(generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey) } },
      ],
      [
        'x509.pem RSA',
        { secret: { 'x509.pem': pkcs8(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey) } },
      ],
      ['x509.pem Ed25519', { secret: { 'x509.pem': pkcs8(generateKeyPairSync('ed25519').privateKey) } }],
    ];
  },
  refuses: async () => {
    const pair = await cosignPair();
    const wrong: SigningSecretData = {
      'cosign.key': Buffer.from(pair.privateKeyPem),
      'cosign.password': Buffer.from('no'),
    };
    return [
      ['no secret', { secret: undefined }, 'SIGNING_SECRET'],
      ['no key in the secret', { secret: { 'cosign.password': Buffer.from('pw') } }, 'SIGNING_SECRET'],
      ['empty cosign.key', { secret: { 'cosign.key': Buffer.alloc(0) } }, 'SIGNING_SECRET'],
      ['wrong password', { secret: wrong }, 'SIGNING_SECRET'],
      ['not a key', { secret: { 'x509.pem': Buffer.from('hello') } }, 'SIGNING_SECRET'],
    ];
  },
});

describe('x509 signer (https://tekton.dev/docs/chains/config/)', () => {
  it('prefers x509.pem over cosign.key, as Chains does', async () => {
    const pair = await cosignPair();
    const plain = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
    const secret = {
      'x509.pem': pkcs8(plain),
      'cosign.key': Buffer.from(pair.privateKeyPem),
      'cosign.password': Buffer.from('pw'),
    };
    const signer = await loadSigner('x509', { secret });
    expect(signer.publicKey.key.equals(createPublicKey(plain))).toBe(true);
  });

  it('names the file it could not load and keeps the key error as the cause', async () => {
    const pair = await cosignPair();
    const e = await loadSigner('x509', {
      secret: { 'cosign.key': Buffer.from(pair.privateKeyPem), 'cosign.password': Buffer.from('no') },
    }).catch((x: unknown) => x);
    expect(e).toMatchObject({
      code: 'SIGNING_SECRET',
      message: /cannot load cosign\.key from the signing secret/,
    });
    expect((e as Error).cause).toMatchObject({ code: 'WRONG_PASSWORD' });
  });
});

describe('keySecretData: a key file as the signing-secrets files', () => {
  it('a plain PKCS#8 key is x509.pem, and no password is asked', async () => {
    const pem = pkcs8(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey);
    let asked = 0;
    const data = await keySecretData(pem, () => (asked++, Promise.resolve(Buffer.from('pw'))));
    expect(data).toEqual({ 'x509.pem': pem });
    expect(asked).toBe(0);
  });

  it('an encrypted cosign key is cosign.key with the password asked once, and loads as x509', async () => {
    const pem = Buffer.from((await cosignPair()).privateKeyPem);
    let asked = 0;
    const secret = await keySecretData(pem, () => (asked++, Promise.resolve(Buffer.from('pw'))));
    expect(secret).toEqual({ 'cosign.key': pem, 'cosign.password': Buffer.from('pw') });
    expect(asked).toBe(1);
    await expect(loadSigner('x509', { secret })).resolves.toBeDefined();
  });

  it('a file that is no key PEM is refused with the key error', async () => {
    await expect(keySecretData(Buffer.from('hello'), () => Promise.resolve(Buffer.alloc(0)))).rejects.toThrow(
      expect.objectContaining({ code: 'INVALID_PRIVATE_KEY' }),
    );
  });
});
