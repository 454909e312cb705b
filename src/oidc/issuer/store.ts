import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { calculateJwkThumbprint, exportJWK } from 'jose';
import type { JWK } from 'jose';
import { z } from 'zod';
import { OidcError } from '../errors.ts';

// The embedded issuer's directory: signing-keys.json (private, 0600; oldest first, the last signs) and
// issuer.json (the URL `oidc serve` listens on, so `oidc token` can name it). For development and tests.
const KEYS_FILE = 'signing-keys.json';
const ISSUER_FILE = 'issuer.json';

const keysSchema = z.object({
  keys: z.array(z.object({ kid: z.string(), created: z.string(), pem: z.string() })).min(1),
});

export interface SigningKey {
  kid: string;
  created: string;
  privateKey: KeyObject;
}

/** Write a file through a temporary name, so a reader never sees half of it. */
function writeAtomic(path: string, text: string, mode: number): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode });
  chmodSync(tmp, mode);
  renameSync(tmp, path);
}

/** RS256 keys: cosign takes an `--identity-token` literally only when it is an RS256 JWS (https://github.com/sigstore/cosign/blob/main/KEYLESS.md). */
async function newKey(): Promise<{ kid: string; created: string; pem: string }> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = await calculateJwkThumbprint(await exportJWK(privateKey));
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return { kid, created: new Date().toISOString(), pem };
}

function readRaw(dir: string): z.infer<typeof keysSchema> | null {
  const path = join(dir, KEYS_FILE);
  if (!existsSync(path)) return null;
  const r = keysSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!r.success) throw new OidcError('OIDC_ISSUER_STATE', `${path} is not a valid key file`);
  return r.data;
}

/** The issuer's keys, oldest first; the first start makes one. */
export async function loadOrCreateKeys(dir: string): Promise<SigningKey[]> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  let raw = readRaw(dir);
  if (!raw) {
    raw = { keys: [await newKey()] };
    writeAtomic(join(dir, KEYS_FILE), JSON.stringify(raw), 0o600);
  }
  return raw.keys.map((k) => ({ kid: k.kid, created: k.created, privateKey: createPrivateKey(k.pem) }));
}

/** Add a new signing key; the old ones stay published so tokens they signed still verify. */
export async function rotateKeys(dir: string): Promise<SigningKey[]> {
  const raw = readRaw(dir) ?? { keys: [] };
  raw.keys.push(await newKey());
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeAtomic(join(dir, KEYS_FILE), JSON.stringify(raw), 0o600);
  return loadOrCreateKeys(dir);
}

/** The public JWKS of every key (RFC 7517). */
export async function publicJwks(keys: SigningKey[]): Promise<{ keys: JWK[] }> {
  const out: JWK[] = [];
  for (const k of keys) {
    const { n, e, kty } = await exportJWK(k.privateKey);
    out.push({ kty, n, e, kid: k.kid, alg: 'RS256', use: 'sig' });
  }
  return { keys: out };
}

export function recordIssuerUrl(dir: string, url: string): void {
  writeAtomic(join(dir, ISSUER_FILE), `${JSON.stringify({ issuer: url })}\n`, 0o644);
}

export function recordedIssuerUrl(dir: string): string {
  const path = join(dir, ISSUER_FILE);
  try {
    const v = z.object({ issuer: z.string().url() }).parse(JSON.parse(readFileSync(path, 'utf8')));
    return v.issuer;
  } catch (e) {
    throw new OidcError(
      'OIDC_ISSUER_STATE',
      `no issuer URL recorded in ${dir} (start \`chains oidc serve --dir ${dir}\` or pass --issuer)`,
      { cause: e },
    );
  }
}
