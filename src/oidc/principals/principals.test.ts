import { describe, expect, it } from 'vitest';
import { ChainsError } from '../../core/errors.ts';
import type { IssuerConfig } from '../types.ts';
import { principalFor } from './index.ts';

const iss = 'https://issuer.example.com';
const cfg = (type: IssuerConfig['type'], more: Partial<IssuerConfig> = {}): IssuerConfig => ({
  issuerUrl: iss,
  clientId: 'sigstore',
  type,
  ...more,
});
const codeOf = (f: () => unknown): string => {
  try {
    f();
    return 'no error';
  } catch (e) {
    return e instanceof ChainsError ? e.code : String(e);
  }
};

describe('principals (Fulcio pkg/identity)', () => {
  it('kubernetes: SAN from the kubernetes.io claim, PoP and 1.24 from sub', () => {
    const p = principalFor(
      {
        iss,
        sub: 'system:serviceaccount:tekton-chains:tekton-chains-controller',
        'kubernetes.io': {
          namespace: 'tekton-chains',
          serviceaccount: { name: 'tekton-chains-controller', uid: 'u' },
        },
      },
      cfg('kubernetes'),
    );
    expect(p).toEqual({
      type: 'kubernetes',
      name: 'system:serviceaccount:tekton-chains:tekton-chains-controller',
      san: {
        kind: 'uri',
        value: 'https://kubernetes.io/namespaces/tekton-chains/serviceaccounts/tekton-chains-controller',
      },
      issuer: iss,
      subject: 'system:serviceaccount:tekton-chains:tekton-chains-controller',
    });
    // missing claims leave empty segments, as upstream
    expect(principalFor({ iss, sub: 's' }, cfg('kubernetes')).san.value).toBe(
      'https://kubernetes.io/namespaces//serviceaccounts/',
    );
    expect(codeOf(() => principalFor({ iss }, cfg('kubernetes')))).toBe('OIDC_CLAIMS');
  });

  it('email: needs email_verified (true, "true", "True"), SAN rfc822Name, PoP signs the email', () => {
    for (const v of [true, 'true', 'True']) {
      const p = principalFor({ iss, sub: '123', email: 'a@example.com', email_verified: v }, cfg('email'));
      expect(p).toMatchObject({
        name: 'a@example.com',
        san: { kind: 'email', value: 'a@example.com' },
        subject: '123',
      });
    }
    expect(
      codeOf(() =>
        principalFor({ iss, sub: '1', email: 'a@example.com', email_verified: false }, cfg('email')),
      ),
    ).toBe('OIDC_EMAIL_UNVERIFIED');
    expect(codeOf(() => principalFor({ iss, sub: '1', email: 'a@example.com' }, cfg('email')))).toBe(
      'OIDC_EMAIL_UNVERIFIED',
    );
    expect(
      codeOf(() => principalFor({ iss, sub: '1', email: 'a@example.com', email_verified: 1 }, cfg('email'))),
    ).toBe('OIDC_CLAIMS');
    expect(codeOf(() => principalFor({ iss, sub: '1', email_verified: true }, cfg('email')))).toBe(
      'OIDC_CLAIMS',
    );
    expect(
      codeOf(() =>
        principalFor({ iss, sub: '1', email: 'not-an-email', email_verified: true }, cfg('email')),
      ),
    ).toBe('OIDC_CLAIMS');
    expect(
      principalFor({ iss, sub: '1', email: 'a@example.com' }, cfg('email', { skipEmailVerification: true }))
        .name,
    ).toBe('a@example.com');
    const fed = principalFor(
      {
        iss,
        sub: '1',
        email: 'a@example.com',
        email_verified: true,
        federated_claims: { connector_id: 'https://github.com/login/oauth' },
      },
      cfg('email', { issuerClaim: '$.federated_claims.connector_id' }),
    );
    expect(fed.issuer).toBe('https://github.com/login/oauth');
  });

  it('spiffe: sub must be a SPIFFE ID in the configured trust domain', () => {
    const c = cfg('spiffe', { spiffeTrustDomain: 'example.org' });
    expect(principalFor({ iss, sub: 'spiffe://example.org/ns/a/sa/b' }, c)).toMatchObject({
      name: 'spiffe://example.org/ns/a/sa/b',
      san: { kind: 'uri', value: 'spiffe://example.org/ns/a/sa/b' },
    });
    expect(codeOf(() => principalFor({ iss, sub: 'spiffe://other.org/x' }, c))).toBe('OIDC_CLAIMS');
    for (const bad of [
      'https://example.org/x',
      'spiffe://Example.org/x',
      'spiffe://example.org/a/../b',
      'spiffe://example.org/x/',
    ])
      expect(codeOf(() => principalFor({ iss, sub: bad }, c))).toBe('OIDC_CLAIMS');
  });

  it('uri: scheme and host of sub must equal the subject domain; emails refused', () => {
    const c = cfg('uri', { subjectDomain: 'https://users.example.com' });
    expect(principalFor({ iss, sub: 'https://users.example.com/alice' }, c).san).toEqual({
      kind: 'uri',
      value: 'https://users.example.com/alice',
    });
    expect(codeOf(() => principalFor({ iss, sub: 'http://users.example.com/alice' }, c))).toBe('OIDC_CLAIMS');
    expect(codeOf(() => principalFor({ iss, sub: 'https://evil.example.com/alice' }, c))).toBe('OIDC_CLAIMS');
    expect(codeOf(() => principalFor({ iss, sub: 'alice@example.com' }, c))).toBe('OIDC_CLAIMS');
    expect(codeOf(() => principalFor({ iss, sub: 'not a uri' }, c))).toBe('OIDC_CLAIMS');
  });
});
