import { generateKeyPairSync } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../src/oidc/issuer/index.ts';
import { signClaims, tempDir } from '../oidc/helpers.ts';
import { post, startStack, v2Request } from './helpers.ts';
import type { Stack } from './helpers.ts';

let k8s: Stack;
let email: Stack;
beforeAll(async () => {
  [k8s, email] = await Promise.all([startStack('kubernetes'), startStack('email')]);
});
afterAll(async () => Promise.all([k8s?.close(), email?.close()]));

interface Answer {
  status: number;
  code: number;
  message: string;
  reason: string;
}

async function answer(res: Response): Promise<Answer> {
  const b = (await res.json()) as { code: number; message: string; details: { reason: string }[] };
  return { status: res.status, code: b.code, message: b.message, reason: b.details[0]?.reason ?? '' };
}

const SUB = 'system:serviceaccount:ns:sa';
const now = (): number => Math.floor(Date.now() / 1000);
const claims = (s: Stack, more: Record<string, unknown> = {}): Record<string, unknown> => ({
  iss: s.issuer.url,
  sub: SUB,
  aud: 'sigstore',
  exp: now() + 600,
  'kubernetes.io': { namespace: 'ns', serviceaccount: { name: 'sa' } },
  ...more,
});
const issue = async (s: Stack, token: string, challenge = SUB): Promise<Answer> =>
  answer(await post(`${s.ca.url}/api/v2/signingCert`, v2Request(token, challenge).body));

describe('every token failure is a 400 naming the reason (Fulcio message, grpc-gateway shape)', () => {
  it('token failures', async () => {
    const foreign = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const { SignJWT } = await import('jose');
    const cases: [string, Stack, Promise<string> | string, string][] = [
      ['no token', k8s, '', 'CA_TOKEN'],
      ['malformed', k8s, 'not.a-jwt', 'OIDC_MALFORMED'],
      ['expired', k8s, signClaims(k8s.issuerDir, claims(k8s, { exp: now() - 1 })), 'OIDC_EXPIRED'],
      [
        'not yet valid',
        k8s,
        signClaims(k8s.issuerDir, claims(k8s, { nbf: now() + 3600 })),
        'OIDC_NOT_YET_VALID',
      ],
      [
        'audience',
        k8s,
        mintToken({ dir: k8s.issuerDir, subject: SUB, audience: 'not-sigstore' }),
        'OIDC_AUDIENCE',
      ],
      [
        'unknown issuer',
        k8s,
        signClaims(k8s.issuerDir, claims(k8s, { iss: 'https://nowhere.example' })),
        'OIDC_UNKNOWN_ISSUER',
      ],
      [
        'signature',
        k8s,
        new SignJWT(claims(k8s)).setProtectedHeader({ alg: 'RS256', kid: 'x' }).sign(foreign),
        'OIDC_SIGNATURE',
      ],
      [
        'unverified email',
        email,
        signClaims(email.issuerDir, claims(email, { email: 'a@example.com', email_verified: false })),
        'OIDC_EMAIL_UNVERIFIED',
      ],
      ['email type, no email claim', email, signClaims(email.issuerDir, claims(email)), 'OIDC_CLAIMS'],
    ];
    for (const [name, stack, token, reason] of cases) {
      const a = await issue(stack, await token);
      expect([name, a.status, a.code, a.reason]).toEqual([name, 400, 3, reason]);
      expect(a.message).toMatch(/^There was an error processing the identity token/);
    }
  });
});

describe('key, proof and request failures', () => {
  it('proof of possession over the wrong string, or by another key', async () => {
    const token = await mintToken({ dir: k8s.issuerDir, kubernetesSa: 'ns/sa' });
    const a = await issue(k8s, token, 'someone-else');
    expect([a.status, a.reason, a.message]).toEqual([
      400,
      'CA_SIGNATURE',
      'The signature supplied in the request could not be verified',
    ]);
    // an email token: the PoP must sign the email, not sub
    const et = await mintToken({ dir: email.issuerDir, subject: 'u1', email: 'dev@example.com' });
    expect((await issue(email, et, 'u1')).reason).toBe('CA_SIGNATURE');
    const ok = await post(`${email.ca.url}/api/v2/signingCert`, v2Request(et, 'dev@example.com').body);
    expect(ok.status).toBe(200);
  });

  it('unparsable, insecure and unpermitted keys; malformed JSON, CSR and base64; oversized bodies', async () => {
    const token = await mintToken({ dir: k8s.issuerDir, kubernetesSa: 'ns/sa' });
    const url = `${k8s.ca.url}/api/v2/signingCert`;
    const withKey = (content: string, proof = 'AAAA'): string =>
      JSON.stringify({
        credentials: { oidcIdentityToken: token },
        publicKeyRequest: { publicKey: { content }, proofOfPossession: proof },
      });
    const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 })
      .publicKey.export({ type: 'spki', format: 'pem' })
      .toString();
    const dir = tempDir('csr-');
    execFileSync('openssl', [
      'ecparam',
      '-name',
      'prime256v1',
      '-genkey',
      '-noout',
      '-out',
      join(dir, 'k.pem'),
    ]);
    execFileSync('openssl', [
      'req',
      '-new',
      '-key',
      join(dir, 'k.pem'),
      '-subj',
      '/CN=x',
      '-sha384',
      '-out',
      join(dir, 'csr.pem'),
    ]);
    const csr384 = readFileSync(join(dir, 'csr.pem'));
    const tamperedCsr = Buffer.from(csr384.toString().replace(/([A-Za-z0-9+/]{10})[A-Za-z0-9+/]/, '$1A'));
    const cases: [string, string, number, string, RegExp][] = [
      ['not JSON', '{"credentials":', 400, 'CA_REQUEST_INVALID', /invalid JSON/],
      ['JSON array', '[]', 400, 'CA_REQUEST_INVALID', /expected an object/],
      [
        'garbage key',
        withKey('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n'),
        400,
        'CA_PUBLIC_KEY_INVALID',
        /could not be parsed/,
      ],
      [
        'no key',
        JSON.stringify({ credentials: { oidcIdentityToken: token } }),
        400,
        'CA_PUBLIC_KEY_INVALID',
        /could not be parsed/,
      ],
      ['RSA 1024', withKey(rsa1024), 400, 'CA_PUBLIC_KEY_INSECURE', /is insecure/],
      ['bad base64 proof', withKey(rsa1024, '!!!'), 400, 'CA_REQUEST_INVALID', /base64/],
      [
        'CSR not PEM',
        JSON.stringify({
          credentials: { oidcIdentityToken: token },
          certificateSigningRequest: Buffer.from('junk').toString('base64'),
        }),
        400,
        'CA_CSR_INVALID',
        /could not be parsed/,
      ],
      [
        'CSR P-256 signed with SHA-384',
        JSON.stringify({
          credentials: { oidcIdentityToken: token },
          certificateSigningRequest: csr384.toString('base64'),
        }),
        400,
        'CA_ALGORITHM_NOT_PERMITTED',
        /signing algorithm not permitted: \*ecdsa.PublicKey, SHA-384/,
      ],
      [
        'CSR tampered',
        JSON.stringify({
          credentials: { oidcIdentityToken: token },
          certificateSigningRequest: tamperedCsr.toString('base64'),
        }),
        400,
        'CA_',
        /could not be (parsed|verified)|not permitted/,
      ],
    ];
    for (const [name, body, status, reason, message] of cases) {
      const a = await answer(await post(url, body));
      expect([name, a.status, a.reason.slice(0, reason.length)]).toEqual([name, status, reason]);
      expect(a.message).toMatch(message);
    }
    const big = await post(url, JSON.stringify({ pad: 'x'.repeat(100 * 1024) }));
    expect(big.status).toBe(413);
    expect(((await big.json()) as { code: number }).code).toBe(8);
    const notFound = await fetch(`${k8s.ca.url}/api/v2/nothing`);
    expect([notFound.status, ((await notFound.json()) as { code: number }).code]).toEqual([404, 5]);
  });
});

describe('key types Fulcio accepts, each with its default proof scheme', () => {
  it('P-256/SHA-256, P-384/SHA-384, P-521/SHA-512, RSA-2048/3072 PKCS#1 v1.5 SHA-256, Ed25519; a mismatched scheme fails', async () => {
    const token = await mintToken({ dir: k8s.issuerDir, kubernetesSa: 'ns/sa' });
    const url = `${k8s.ca.url}/api/v2/signingCert`;
    const ok: [string, ReturnType<typeof generateKeyPairSync>['privateKey'], string | null][] = [
      ['P-256', generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, 'sha256'],
      ['P-384', generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey, 'sha384'],
      ['P-521', generateKeyPairSync('ec', { namedCurve: 'P-521' }).privateKey, 'sha512'],
      ['RSA-2048', generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey, 'sha256'],
      ['RSA-3072', generateKeyPairSync('rsa', { modulusLength: 3072 }).privateKey, 'sha256'],
      ['Ed25519', generateKeyPairSync('ed25519').privateKey, null],
    ];
    for (const [name, key, hash] of ok) {
      const res = await post(url, v2Request(token, SUB, key, hash).body);
      expect([name, res.status]).toEqual([name, 200]);
    }
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey;
    const wrong = await answer(await post(url, v2Request(token, SUB, p384, 'sha256').body));
    expect(wrong.reason).toBe('CA_SIGNATURE');
    const rsa2049 = generateKeyPairSync('rsa', { modulusLength: 2056 }).privateKey;
    expect((await answer(await post(url, v2Request(token, SUB, rsa2049, 'sha256').body))).reason).toBe(
      'CA_PUBLIC_KEY_INSECURE',
    );
  });

  it('an email identity gets an rfc822Name SAN', async () => {
    const et = await mintToken({ dir: email.issuerDir, subject: 'u1', email: 'dev@example.com' });
    const res = await post(`${email.ca.url}/api/v2/signingCert`, v2Request(et, 'dev@example.com').body);
    const body = (await res.json()) as {
      signedCertificateDetachedSct: { chain: { certificates: string[] } };
    };
    const { X509Certificate } = await import('node:crypto');
    const leaf = new X509Certificate(body.signedCertificateDetachedSct.chain.certificates[0] ?? '');
    expect(leaf.subjectAltName).toBe('email:dev@example.com');
  });
});
