import { describe, expect, it } from 'vitest';
import { checkTokenFresh, tokenSubject } from './identity-token.ts';
import { DEFAULT_TOKEN_FILE, tokenFileOf, type X509SignerOptions } from './fulcio.ts';
import { registrySignerFor } from './registry.ts';

const jws = (claims: Record<string, unknown>) =>
  `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;

const x509 = (over: Partial<X509SignerOptions['fulcio']> = {}, file?: string): X509SignerOptions => ({
  fulcio: { enabled: true, address: 'https://fulcio.example', issuer: 'https://issuer.example', ...over },
  ...(file ? { identityTokenFile: file } : {}),
});

describe('keyless signer settings (pkg/chains/signing/x509, cosign filesystem provider)', () => {
  it('x509 means the keyless signer when signers.x509.fulcio.enabled, the key signer otherwise', () => {
    expect(registrySignerFor('x509', x509())).toBe('fulcio');
    expect(registrySignerFor('x509', x509({ enabled: false }))).toBe('x509');
    expect(registrySignerFor('x509', undefined)).toBe('x509');
  });

  it('reads the token where the provider says: the custom file, else cosign’s filesystem path', () => {
    expect(tokenFileOf(x509())).toBe(DEFAULT_TOKEN_FILE);
    expect(DEFAULT_TOKEN_FILE).toBe('/var/run/sigstore/cosign/oidc-token');
    expect(tokenFileOf(x509({ provider: 'filesystem' }, '/t'))).toBe('/t');
    expect(tokenFileOf(x509({ provider: 'filesystem-custom-path' }, '/t'))).toBe('/t');
    expect(() => tokenFileOf(x509({ provider: 'filesystem-custom-path' }))).toThrow(
      expect.objectContaining({ code: 'KEYLESS_PROVIDER' }),
    );
    for (const p of ['spiffe', 'github-actions', 'google'])
      expect(() => tokenFileOf(x509({ provider: p }))).toThrow(
        expect.objectContaining({ code: 'KEYLESS_PROVIDER', message: expect.stringContaining(p) }),
      );
  });

  it('refuses a token at or within the skew of its exp; leaves one without exp to the CA', () => {
    const now = 1_800_000_000_000;
    expect(() => checkTokenFresh(jws({ exp: now / 1000 + 60 }), now)).not.toThrow();
    for (const exp of [now / 1000 - 1, now / 1000, now / 1000 + 29])
      expect(() => checkTokenFresh(jws({ exp }), now)).toThrow(
        expect.objectContaining({ code: 'KEYLESS_TOKEN_EXPIRED' }),
      );
    expect(() => checkTokenFresh(jws({ sub: 'x' }), now)).not.toThrow();
    expect(() => checkTokenFresh(jws({ exp: 'soon' }), now)).toThrow(
      expect.objectContaining({ code: 'KEYLESS_TOKEN' }),
    );
    expect(() => checkTokenFresh('not-a-jws', now)).toThrow(
      expect.objectContaining({ code: 'KEYLESS_TOKEN' }),
    );
  });

  it('the proof-of-possession name is the email when there is one, else sub', () => {
    expect(tokenSubject(jws({ sub: 'system:serviceaccount:a:b' }))).toBe('system:serviceaccount:a:b');
    expect(tokenSubject(jws({ sub: 's', email: 'e@x.example' }))).toBe('e@x.example');
    expect(() => tokenSubject(jws({}))).toThrow(expect.objectContaining({ code: 'KEYLESS_TOKEN' }));
    expect(() => tokenSubject('a.!!!.c')).toThrow(expect.objectContaining({ code: 'KEYLESS_TOKEN' }));
  });
});
