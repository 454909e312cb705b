import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { preAuthEncoding } from '../../core/dsse.ts';
import { DEFAULT_CLIENT_SIGNING_ALGORITHMS } from '../../keys/index.ts';
import { acceptProposed } from './kinds/index.ts';
import { SigningPolicy } from './policy.ts';

const REKOR = new URL('../../../test/vectors/rekor-algorithms/', import.meta.url).pathname;
const read = (f: string): Buffer => readFileSync(`${REKOR}${f}`);
const b64 = (b: Uint8Array | string): string => Buffer.from(b).toString('base64');
const digest = (alg: string, data: Uint8Array): string => createHash(alg).update(data).digest('hex');

function hashedRekord(pem: string | Buffer, sig: Uint8Array, algorithm: string, value: string): unknown {
  return {
    apiVersion: '0.0.1',
    kind: 'hashedrekord',
    spec: {
      data: { hash: { algorithm, value } },
      signature: { content: b64(sig), publicKey: { content: b64(pem) } },
    },
  };
}

const pemOf = (k: KeyObject): string => k.export({ type: 'spki', format: 'pem' }) as string;
const refusedBy = (code: string, message: RegExp) =>
  expect.objectContaining({ code, message: expect.stringMatching(message) });

/** rekor tests/client-algos-e2e-test.sh, on Rekor's own data. */
describe("Rekor's client-algos test data", () => {
  const ec = hashedRekord(
    read('ec_public.pem'),
    read('file1.ec.sig'),
    'sha256',
    digest('sha256', read('file1')),
  );
  const rsa1 = hashedRekord(
    read('rsa_public.pem'),
    read('file1.rsa.sig'),
    'sha256',
    digest('sha256', read('file1')),
  );
  const rsa2 = hashedRekord(
    read('rsa_public.pem'),
    read('file2.rsa.sig'),
    'sha256',
    digest('sha256', read('file2')),
  );
  const rsa512 = hashedRekord(
    read('rsa_public.pem'),
    read('file2.rsa512.sig'),
    'sha512',
    digest('sha512', read('file2')),
  );
  const edPh = hashedRekord(
    read('ed25519_public.pem'),
    read('file1.ed25519ph.sig'),
    'sha512',
    digest('sha512', read('file1')),
  );
  const edPure = hashedRekord(
    read('ed25519_public.pem'),
    read('file1.ed25519.sig'),
    'sha512',
    digest('sha512', read('file1')),
  );

  it('default policy: EC and RSA SHA-256 and Ed25519ph are accepted; RSA with SHA-512 is not allowed', () => {
    for (const e of [ec, rsa1, rsa2, edPh]) expect(() => acceptProposed(e)).not.toThrow();
    expect(() => acceptProposed(rsa512)).toThrow(
      refusedBy('TLOG_ALGORITHM_NOT_ALLOWED', /^entry algorithms are not allowed$/),
    );
  });

  it('rsa-sign-pkcs1-2048-sha256,ed25519-ph: EC and RSA SHA-512 refused, Ed25519ph accepted, pure Ed25519 invalid', () => {
    const p = new SigningPolicy(['rsa-sign-pkcs1-2048-sha256', 'ed25519-ph']);
    expect(() => acceptProposed(rsa1, p)).not.toThrow();
    expect(() => acceptProposed(edPh, p)).not.toThrow();
    for (const e of [ec, rsa512])
      expect(() => acceptProposed(e, p)).toThrow(refusedBy('TLOG_ALGORITHM_NOT_ALLOWED', /not allowed/));
    expect(() => acceptProposed(edPure, p)).toThrow(
      refusedBy(
        'TLOG_SIGNATURE_INVALID',
        /verifying signature: failed to verify signature: ed25519: invalid signature/,
      ),
    );
  });
});

describe('the default policy on fresh keys', () => {
  const data = Buffer.from('artifact');
  const entry = (k: { privateKey: KeyObject; publicKey: KeyObject }, alg: string) =>
    hashedRekord(pemOf(k.publicKey), sign(alg, data, k.privateKey), alg, digest(alg, data));

  it('RSA-1024 and P-256 with sha512 verify but are not allowed; P-521 with sha512 is', () => {
    const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const p256 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    const p521 = generateKeyPairSync('ec', { namedCurve: 'secp521r1' });
    const notAllowed = refusedBy('TLOG_ALGORITHM_NOT_ALLOWED', /entry algorithms are not allowed/);
    expect(() => acceptProposed(entry(rsa1024, 'sha256'))).toThrow(notAllowed);
    expect(() => acceptProposed(entry(p256, 'sha512'))).toThrow(notAllowed);
    expect(() => acceptProposed(entry(p384, 'sha256'))).toThrow(notAllowed);
    expect(() => acceptProposed(entry(p384, 'sha384'))).not.toThrow();
    expect(() => acceptProposed(entry(p521, 'sha512'))).not.toThrow();
    // a signature that does not verify is refused for that, first (Rekor verifies in Unmarshal)
    const bad = hashedRekord(
      pemOf(p521.publicKey),
      sign('sha512', Buffer.from('x'), p521.privateKey),
      'sha512',
      digest('sha512', data),
    );
    expect(() => acceptProposed(bad)).toThrow(
      refusedBy('TLOG_SIGNATURE_INVALID', /invalid signature when validating ASN\.1/),
    );
    // every key/hash pair becomes allowed by naming it
    const all = new SigningPolicy([...DEFAULT_CLIENT_SIGNING_ALGORITHMS, 'ecdsa-sha2-256-nistp384']);
    expect(() => acceptProposed(entry(p384, 'sha256'), all)).not.toThrow();
  });

  it('an unknown name is refused with sigstore wording', () => {
    expect(() => new SigningPolicy(['ecdsa-sha2-256-nistp256', 'rsa-1024'])).toThrow(
      refusedBy(
        'UNSUPPORTED_SIGNING_ALGORITHM',
        /^parsing signature algorithm flag: could not find matching signature algorithm for flag: rsa-1024$/,
      ),
    );
  });
});

describe('dsse verifiers as Rekor reads them', () => {
  const pae = preAuthEncoding('text/plain', Buffer.from('hello'));
  const envelope = (sigs: Buffer[]) =>
    JSON.stringify({
      payloadType: 'text/plain',
      payload: b64('hello'),
      signatures: sigs.map((s) => ({ keyid: '', sig: b64(s) })),
    });
  const proposal = (env: string, keys: KeyObject[]) => ({
    apiVersion: '0.0.1',
    kind: 'dsse',
    spec: { proposedContent: { envelope: env, verifiers: keys.map((k) => b64(pemOf(k))) } },
  });

  it('P-384 over SHA-384 and P-521 over SHA-512 (cosign) verify, as does SHA-256 (Rekor); Ed25519 pure or ph', () => {
    for (const [curve, alg] of [
      ['secp384r1', 'sha384'],
      ['secp384r1', 'sha256'],
      ['secp521r1', 'sha512'],
    ] as const) {
      const k = generateKeyPairSync('ec', { namedCurve: curve });
      expect(() =>
        acceptProposed(proposal(envelope([sign(alg, pae, k.privateKey)]), [k.publicKey])),
      ).not.toThrow();
    }
  });

  it('a first verifier that verifies no signature is refused even when the second does', () => {
    const a = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const b = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const env = envelope([sign('sha256', pae, a.privateKey)]);
    expect(() => acceptProposed(proposal(env, [a.publicKey, b.publicKey]))).not.toThrow();
    expect(() => acceptProposed(proposal(env, [b.publicKey, a.publicKey]))).toThrow(
      refusedBy(
        'TLOG_SIGNATURE_INVALID',
        /could not verify envelope: accepted signatures do not match threshold/,
      ),
    );
    const two = envelope([sign('sha256', pae, a.privateKey), sign('sha256', pae, b.privateKey)]);
    expect(() => acceptProposed(proposal(two, [a.publicKey]))).toThrow(
      refusedBy('TLOG_SIGNATURE_INVALID', /all signatures must have a key that verifies it/),
    );
    expect(() => acceptProposed(proposal(two, [b.publicKey, a.publicKey]))).not.toThrow();
  });
});
