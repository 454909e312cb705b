import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodePem, encodePem } from '../core/encoding.ts';
import { VECTORS } from '../../test/setup/env.ts';
import {
  COSIGN_PEM_TYPE,
  decryptEnvelope,
  encryptEnvelope,
  encryptPrivateKey,
  generateKeyPair,
  keyAlgorithm,
  loadPrivateKey,
  loadPublicKey,
  privateKeyMaterial,
  SCRYPT_PARAMS,
  signData,
  verifySignature,
} from './index.ts';

const ec = (namedCurve: string) => generateKeyPairSync('ec', { namedCurve }).privateKey;

describe('encrypted envelope (go-securesystemslib encrypted)', () => {
  it.each(Object.entries(SCRYPT_PARAMS))(
    '%s parameters round-trip, Go field order',
    async (_name, params) => {
      const env = await encryptEnvelope(Buffer.from('secret bytes'), 'pw', params);
      const text = env.toString('utf8');
      expect(text).toMatch(
        new RegExp(
          `^\\{"kdf":\\{"name":"scrypt","params":\\{"N":${params.N},"r":8,"p":1\\},"salt":"[A-Za-z0-9+/]{43}="\\},` +
            '"cipher":\\{"name":"nacl/secretbox","nonce":"[A-Za-z0-9+/]{32}"\\},"ciphertext":"[A-Za-z0-9+/=]+"\\}$',
        ),
      );
      expect((await decryptEnvelope(env, 'pw')).toString()).toBe('secret bytes');
    },
  );

  it('an empty password is a valid password', async () => {
    const env = await encryptEnvelope(Buffer.from('x'), '', SCRYPT_PARAMS.legacy);
    expect((await decryptEnvelope(env, new Uint8Array())).toString()).toBe('x');
    await expect(decryptEnvelope(env, ' ')).rejects.toMatchObject({ code: 'WRONG_PASSWORD' });
  });

  it('tampering with salt, nonce or ciphertext fails the MAC; with params or names, a coded rejection', async () => {
    const env = JSON.parse(
      (await encryptEnvelope(Buffer.from('x'), 'pw', SCRYPT_PARAMS.legacy)).toString(),
    ) as {
      kdf: { name: string; params: { N: number; r: number; p: number }; salt: string };
      cipher: { name: string; nonce: string };
      ciphertext: string;
    };
    const flip = (b64: string): string => {
      const b = Buffer.from(b64, 'base64');
      b[0] = (b[0] ?? 0) ^ 1;
      return b.toString('base64');
    };
    const cases: [unknown, string][] = [
      [{ ...env, kdf: { ...env.kdf, salt: flip(env.kdf.salt) } }, 'WRONG_PASSWORD'],
      [{ ...env, cipher: { ...env.cipher, nonce: flip(env.cipher.nonce) } }, 'WRONG_PASSWORD'],
      [{ ...env, ciphertext: flip(env.ciphertext) }, 'WRONG_PASSWORD'],
      [{ ...env, kdf: { ...env.kdf, params: { N: 65536, r: 8, p: 1 } } }, 'WRONG_PASSWORD'],
      [{ ...env, kdf: { ...env.kdf, params: { N: 1 << 20, r: 8, p: 1 } } }, 'UNSUPPORTED_KDF_PARAMS'],
      [{ ...env, kdf: { ...env.kdf, name: 'argon2' } }, 'UNSUPPORTED_KDF_PARAMS'],
      [{ ...env, cipher: { ...env.cipher, name: 'aes-gcm' } }, 'UNSUPPORTED_CIPHER'],
      [{ ...env, ciphertext: 1 }, 'INVALID_KEY_ENVELOPE'],
    ];
    for (const [doc, code] of cases)
      await expect(decryptEnvelope(JSON.stringify(doc), 'pw'), code).rejects.toMatchObject({ code });
    await expect(decryptEnvelope('not json', 'pw')).rejects.toMatchObject({ code: 'INVALID_KEY_ENVELOPE' });
  });
});

describe('private keys', () => {
  it('generateKeyPair: P-256, SIGSTORE label, N=65536, loads back with the same public key', async () => {
    const pair = await generateKeyPair('pw');
    expect(decodePem(pair.privateKeyPem).type).toBe('ENCRYPTED SIGSTORE PRIVATE KEY');
    const env = JSON.parse(decodePem(pair.privateKeyPem).bytes.toString()) as {
      kdf: { params: { N: number } };
    };
    expect(env.kdf.params.N).toBe(65536);
    const again = await loadPrivateKey(pair.privateKeyPem, Buffer.from('pw'));
    expect(again.algorithm).toBe('ecdsa-p256');
    expect(again.publicKey.pem).toBe(pair.publicKeyPem);
  });

  it.each([
    ['P-256', () => ec('prime256v1')],
    ['P-384', () => ec('secp384r1')],
    ['P-521', () => ec('secp521r1')],
    ['RSA-3072', () => generateKeyPairSync('rsa', { modulusLength: 3072 }).privateKey],
    ['Ed25519', () => generateKeyPairSync('ed25519').privateKey],
  ])('%s: encrypt -> load (legacy COSIGN label too) -> sign -> verify', async (_n, make) => {
    const key = make();
    const pem = await encryptPrivateKey(key, 'pw', SCRYPT_PARAMS.legacy);
    const legacy = encodePem(COSIGN_PEM_TYPE, decodePem(pem).bytes);
    for (const text of [pem, legacy]) {
      const m = await loadPrivateKey(text, 'pw');
      const sig = signData(m.key, m.algorithm, Buffer.from('data'));
      expect(verifySignature(m.publicKey, Buffer.from('data'), sig)).toBe(true);
      expect(verifySignature(m.publicKey, Buffer.from('datA'), sig)).toBe(false);
    }
  });

  it('rejects other PEM types with UNSUPPORTED_PEM_TYPE, and no PEM at all as invalid', async () => {
    const sec1 = readFileSync(`${VECTORS}cosign-keys/plaintext/ec-p256-sec1.pem`, 'utf8');
    await expect(loadPrivateKey(sec1, '')).rejects.toMatchObject({
      code: 'UNSUPPORTED_PEM_TYPE',
      message: 'unsupported pem type: EC PRIVATE KEY',
    });
    await expect(loadPrivateKey('hello', '')).rejects.toMatchObject({ code: 'INVALID_PRIVATE_KEY' });
  });

  it('rejects weak keys even inside a valid envelope', async () => {
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
    const pem = encodePem(
      'ENCRYPTED SIGSTORE PRIVATE KEY',
      await encryptEnvelope(weak.export({ type: 'pkcs8', format: 'der' }), 'pw', SCRYPT_PARAMS.legacy),
    );
    await expect(loadPrivateKey(pem, 'pw')).rejects.toMatchObject({ code: 'WEAK_KEY' });
    expect(() => keyAlgorithm(ec('secp224r1'))).toThrow(/P-224 not allowed/);
    expect(() => keyAlgorithm(ec('secp256k1'))).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_KEY' }));
  });
});

describe('public keys', () => {
  it('canonical PEM regardless of input wrapping; certificates give their key', () => {
    const m = privateKeyMaterial(ec('prime256v1'));
    const messy = m.publicKey.pem.replace(/\n/g, '\r\n');
    expect(loadPublicKey(messy).pem).toBe(m.publicKey.pem);
    const certPem = readFileSync(
      `${VECTORS}rekor/sigstore-js/verify/bundles/v1-message-signature-with-signing-cert.json`,
      'utf8',
    );
    const raw = (
      JSON.parse(certPem) as {
        verificationMaterial: { x509CertificateChain: { certificates: { rawBytes: string }[] } };
      }
    ).verificationMaterial.x509CertificateChain.certificates[0]?.rawBytes;
    const cert = new X509Certificate(Buffer.from(raw ?? '', 'base64'));
    const fromCert = loadPublicKey(cert.toString());
    expect(fromCert.pem).toBe(loadPublicKey(cert.publicKey.export({ type: 'spki', format: 'pem' })).pem);
  });

  it('rejects a private key or garbage with coded errors', () => {
    const priv = ec('prime256v1').export({ type: 'pkcs8', format: 'pem' });
    expect(() => loadPublicKey(priv)).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_PEM_TYPE' }));
    expect(() => loadPublicKey('nothing')).toThrow(expect.objectContaining({ code: 'INVALID_PUBLIC_KEY' }));
    expect(() => loadPublicKey(encodePem('PUBLIC KEY', Buffer.from('junk')))).toThrow(
      expect.objectContaining({ code: 'INVALID_PUBLIC_KEY' }),
    );
  });

  it('verifySignature is false (not a throw) for malformed signatures', () => {
    const m = privateKeyMaterial(ec('prime256v1'));
    expect(verifySignature(m.publicKey, Buffer.from('x'), Buffer.alloc(0))).toBe(false);
    expect(verifySignature(m.publicKey, Buffer.from('x'), Buffer.from('3006020101020101', 'hex'))).toBe(
      false,
    );
  });
});
