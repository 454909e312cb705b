import { randomBytes, scrypt } from 'node:crypto';
import nacl from 'tweetnacl';
import { z } from 'zod';
import { fromBase64, toBase64 } from '../core/encoding.ts';
import { KeyError } from './errors.ts';

/** scrypt parameter sets go-securesystemslib accepts (encrypted.go: Legacy, Standard, OWASP). */
export const SCRYPT_PARAMS = {
  legacy: { N: 32768, r: 8, p: 1 },
  standard: { N: 65536, r: 8, p: 1 },
  owasp: { N: 131072, r: 8, p: 1 },
} as const;

export type ScryptParams = { N: number; r: number; p: number };

const envelopeSchema = z.object({
  kdf: z.object({
    name: z.string(),
    params: z.object({ N: z.number().int(), r: z.number().int(), p: z.number().int() }),
    salt: z.string(),
  }),
  cipher: z.object({ name: z.string(), nonce: z.string() }),
  ciphertext: z.string(),
});

function isSupported(p: ScryptParams): boolean {
  return Object.values(SCRYPT_PARAMS).some((s) => s.N === p.N && s.r === p.r && s.p === p.p);
}

/** scrypt with a maxmem large enough for N=131072,r=8 (128 MiB; Node's default is 32 MiB). */
function deriveKey(password: Uint8Array, salt: Uint8Array, p: ScryptParams): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, 32, { N: p.N, r: p.r, p: p.p, maxmem: 256 * 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

export function passwordBytes(password: string | Uint8Array): Uint8Array {
  return typeof password === 'string' ? Buffer.from(password, 'utf8') : password;
}

function parseEnvelope(json: string | Uint8Array): z.infer<typeof envelopeSchema> {
  let value: unknown;
  try {
    value = JSON.parse(typeof json === 'string' ? json : Buffer.from(json).toString('utf8'));
  } catch (e) {
    throw new KeyError('INVALID_KEY_ENVELOPE', 'encrypted key envelope is not valid JSON', { cause: e });
  }
  const r = envelopeSchema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new KeyError('INVALID_KEY_ENVELOPE', `invalid encrypted key envelope at ${issue?.path.join('.')}`);
  }
  return r.data;
}

/**
 * Open a go-securesystemslib `encrypted` JSON envelope (https://github.com/sigstore/cosign/blob/main/pkg/cosign/keys.go). Parameters are checked before
 * the (expensive) key derivation; a failed Poly1305 check means the password is wrong.
 */
export async function decryptEnvelope(
  json: string | Uint8Array,
  password: string | Uint8Array,
): Promise<Buffer> {
  const env = parseEnvelope(json);
  if (env.kdf.name !== 'scrypt')
    throw new KeyError('UNSUPPORTED_KDF_PARAMS', `unsupported key derivation function: ${env.kdf.name}`);
  if (!isSupported(env.kdf.params)) {
    const { N, r, p } = env.kdf.params;
    throw new KeyError('UNSUPPORTED_KDF_PARAMS', `unsupported scrypt parameters: N=${N} r=${r} p=${p}`);
  }
  if (env.cipher.name !== 'nacl/secretbox')
    throw new KeyError('UNSUPPORTED_CIPHER', `unsupported cipher: ${env.cipher.name}`);
  const salt = fromBase64(env.kdf.salt, 'kdf.salt');
  const nonce = fromBase64(env.cipher.nonce, 'cipher.nonce');
  if (nonce.length !== nacl.secretbox.nonceLength)
    throw new KeyError('INVALID_KEY_ENVELOPE', `cipher.nonce must be ${nacl.secretbox.nonceLength} bytes`);
  const box = fromBase64(env.ciphertext, 'ciphertext');
  const key = await deriveKey(passwordBytes(password), salt, env.kdf.params);
  const plain = nacl.secretbox.open(box, nonce, key);
  key.fill(0);
  if (!plain)
    throw new KeyError(
      'WRONG_PASSWORD',
      'decryption failed: the password is wrong (or the key file is corrupt)',
    );
  return Buffer.from(plain);
}

/** Seal `plaintext` in an envelope, Go json.Marshal field order (go-securesystemslib encrypted.Encrypt). */
export async function encryptEnvelope(
  plaintext: Uint8Array,
  password: string | Uint8Array,
  params: ScryptParams = SCRYPT_PARAMS.standard,
): Promise<Buffer> {
  if (!isSupported(params)) throw new KeyError('UNSUPPORTED_KDF_PARAMS', 'unsupported scrypt parameters');
  const salt = randomBytes(32);
  const nonce = randomBytes(nacl.secretbox.nonceLength);
  const key = await deriveKey(passwordBytes(password), salt, params);
  const box = nacl.secretbox(plaintext, nonce, key);
  key.fill(0);
  const doc = {
    kdf: { name: 'scrypt', params: { N: params.N, r: params.r, p: params.p }, salt: toBase64(salt) },
    cipher: { name: 'nacl/secretbox', nonce: toBase64(nonce) },
    ciphertext: toBase64(box),
  };
  return Buffer.from(JSON.stringify(doc), 'utf8');
}
