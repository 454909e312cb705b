import { generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenVerifier, singleIssuer } from '../../src/oidc/index.ts';
import type { IssuerConfig } from '../../src/oidc/index.ts';
import { loadOrCreateKeys, mintToken, rotateKeys, startIssuerServer } from '../../src/oidc/issuer/index.ts';
import type { RunningIssuer } from '../../src/oidc/issuer/index.ts';
import { codeOf, signClaims, tempDir } from './helpers.ts';

let dir: string;
let issuer: RunningIssuer;
const now = (): number => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  dir = tempDir();
  issuer = await startIssuerServer({ dir, addr: '127.0.0.1:0' });
});
afterAll(async () => issuer?.close());

const cfg = (type: IssuerConfig['type'], more: Partial<IssuerConfig> = {}): IssuerConfig => ({
  issuerUrl: issuer.url,
  clientId: 'sigstore',
  type,
  ...more,
});
const verifier = (
  type: IssuerConfig['type'] = 'kubernetes',
  more: Partial<IssuerConfig> = {},
): TokenVerifier => new TokenVerifier(singleIssuer(cfg(type, more)), { jwksCooldownMs: 0 });
const claims = (more: Record<string, unknown> = {}): Record<string, unknown> => ({
  iss: issuer.url,
  sub: 'system:serviceaccount:ns:sa',
  aud: 'sigstore',
  iat: now(),
  exp: now() + 600,
  'kubernetes.io': { namespace: 'ns', serviceaccount: { name: 'sa' } },
  ...more,
});

describe('token verification through discovery and JWKS', () => {
  it('accepts a kubernetes token from the embedded issuer', async () => {
    const token = await mintToken({ dir, kubernetesSa: 'tekton-chains/tekton-chains-controller' });
    const p = await verifier().verify(token);
    expect(p).toEqual({
      type: 'kubernetes',
      name: 'system:serviceaccount:tekton-chains:tekton-chains-controller',
      san: {
        kind: 'uri',
        value: 'https://kubernetes.io/namespaces/tekton-chains/serviceaccounts/tekton-chains-controller',
      },
      issuer: issuer.url,
      subject: 'system:serviceaccount:tekton-chains:tekton-chains-controller',
    });
  });

  it('accepts an email token', async () => {
    const token = await mintToken({ dir, subject: 'u-1', email: 'dev@example.com' });
    expect(await verifier('email').verify(token)).toMatchObject({
      name: 'dev@example.com',
      san: { kind: 'email' },
    });
  });

  it('names every failure', async () => {
    const v = verifier();
    const foreign = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const [own] = await loadOrCreateKeys(dir);
    const good = await signClaims(dir, claims());
    const [h, , s] = good.split('.');
    const forgedPayload = Buffer.from(
      JSON.stringify(claims({ sub: 'system:serviceaccount:kube-system:admin' })),
    ).toString('base64url');
    const cases: [string, Promise<string> | string, string][] = [
      ['expired', signClaims(dir, claims({ exp: now() - 5 })), 'OIDC_EXPIRED'],
      ['expired long ago', mintToken({ dir, subject: 's', ttlSec: -3600 }), 'OIDC_EXPIRED'],
      ['no exp', signClaims(dir, claims({ exp: undefined })), 'OIDC_EXPIRED'],
      ['nbf beyond the skew', signClaims(dir, claims({ nbf: now() + 600 })), 'OIDC_NOT_YET_VALID'],
      ['wrong audience', mintToken({ dir, subject: 's', audience: 'other' }), 'OIDC_AUDIENCE'],
      [
        'unknown issuer',
        signClaims(dir, claims({ iss: 'https://elsewhere.example.com' })),
        'OIDC_UNKNOWN_ISSUER',
      ],
      ['payload swapped under the signature', `${h}.${forgedPayload}.${s}`, 'OIDC_SIGNATURE'],
      [
        'signed by another key under a published kid',
        new SignJWT(claims()).setProtectedHeader({ alg: 'RS256', kid: own?.kid }).sign(foreign),
        'OIDC_SIGNATURE',
      ],
      [
        'signed by a key the issuer never published',
        new SignJWT(claims()).setProtectedHeader({ alg: 'RS256', kid: 'nope' }).sign(foreign),
        'OIDC_SIGNATURE',
      ],
      [
        'algorithm not advertised (HS256)',
        new SignJWT(claims()).setProtectedHeader({ alg: 'HS256' }).sign(new Uint8Array(32)),
        'OIDC_SIGNATURE',
      ],
      ['not a JWT', 'abc', 'OIDC_MALFORMED'],
      ['two parts', 'a.b', 'OIDC_MALFORMED'],
      ['payload not JSON', `${h}.${Buffer.from('{').toString('base64url')}.${s}`, 'OIDC_MALFORMED'],
      ['no iss', signClaims(dir, claims({ iss: undefined })), 'OIDC_MALFORMED'],
    ];
    for (const [name, token, code] of cases)
      expect([name, await codeOf(v.verify(await token))]).toEqual([name, code]);
    // the nbf skew (5 minutes) lets a slightly fast issuer clock through
    expect(await codeOf(v.verify(await signClaims(dir, claims({ nbf: now() + 60 }))))).toBe('no error');
  });

  it('names the type-specific failures', async () => {
    const unverified = await signClaims(dir, claims({ email: 'a@example.com', email_verified: false }));
    expect(await codeOf(verifier('email').verify(unverified))).toBe('OIDC_EMAIL_UNVERIFIED');
    const spiffe = verifier('spiffe', { spiffeTrustDomain: 'example.org' });
    expect(await codeOf(spiffe.verify(await signClaims(dir, claims({ sub: 'spiffe://other.org/w' }))))).toBe(
      'OIDC_CLAIMS',
    );
    expect(
      await codeOf(spiffe.verify(await signClaims(dir, claims({ sub: 'spiffe://example.org/w' })))),
    ).toBe('no error');
    const ok = await signClaims(dir, claims({ sub: 'http://users.example/alice' }));
    const uri = verifier('uri', { subjectDomain: 'http://users.example' });
    expect(await codeOf(uri.verify(await signClaims(dir, claims({ sub: 'http://other/x' }))))).toBe(
      'OIDC_CLAIMS',
    );
    expect((await uri.verify(ok)).san).toEqual({ kind: 'uri', value: 'http://users.example/alice' });
  });

  it('an issuer that is down, or whose discovery names another issuer, is a discovery failure', async () => {
    const down = new TokenVerifier(singleIssuer({ ...cfg('kubernetes'), issuerUrl: 'http://127.0.0.1:9' }), {
      timeoutMs: 2000,
    });
    expect(await codeOf(down.verify(await signClaims(dir, claims({ iss: 'http://127.0.0.1:9' }))))).toBe(
      'OIDC_DISCOVERY',
    );
    const otherDir = tempDir();
    const liar = await startIssuerServer({
      dir: otherDir,
      addr: '127.0.0.1:0',
      issuerUrl: 'https://liar.example.com',
    });
    try {
      const c = { ...cfg('kubernetes'), issuerUrl: liar.listenUrl };
      const v = new TokenVerifier(singleIssuer(c));
      expect(await codeOf(v.verify(await signClaims(otherDir, claims({ iss: liar.listenUrl }))))).toBe(
        'OIDC_DISCOVERY',
      );
    } finally {
      await liar.close();
    }
  });
});

describe('JWKS cache and key rotation at the issuer', () => {
  it('fetches the JWKS once, refreshes on an unseen kid, keeps old tokens valid', async () => {
    const d = tempDir();
    const iss = await startIssuerServer({ dir: d, addr: '127.0.0.1:0' });
    const foreign = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    try {
      const v = new TokenVerifier(
        singleIssuer({ issuerUrl: iss.url, clientId: 'sigstore', type: 'kubernetes' }),
        { jwksCooldownMs: 1000 },
      );
      const t1 = await mintToken({ dir: d, kubernetesSa: 'a/b' });
      for (let i = 0; i < 5; i++) await v.verify(t1);
      expect(iss.jwksRequests).toBe(1);
      await rotateKeys(d);
      const t2 = await mintToken({ dir: d, kubernetesSa: 'a/b' });
      expect(JSON.parse(Buffer.from(t2.split('.')[0] ?? '', 'base64url').toString()).kid).not.toBe(
        JSON.parse(Buffer.from(t1.split('.')[0] ?? '', 'base64url').toString()).kid,
      );
      await new Promise((r) => setTimeout(r, 1050)); // past the cooldown
      expect((await v.verify(t2)).subject).toBe('system:serviceaccount:a:b');
      expect(iss.jwksRequests).toBe(2);
      expect((await v.verify(t1)).subject).toBe('system:serviceaccount:a:b'); // old kid still published
      expect(iss.jwksRequests).toBe(2);
      // an unknown kid inside the cooldown does not refetch (bounds what hostile kids can cost)
      const bogus = await new SignJWT({ iss: iss.url, sub: 's', aud: 'sigstore', exp: now() + 60 })
        .setProtectedHeader({ alg: 'RS256', kid: 'unseen' })
        .sign(foreign);
      expect(await codeOf(v.verify(bogus))).toBe('OIDC_SIGNATURE');
      expect(iss.jwksRequests).toBe(2);
    } finally {
      await iss.close();
    }
  });
});
