import { describe, expect, it } from 'vitest';
import { hasCode } from '../core/errors.ts';
import { lookupIssuer, metaRegex, parseIssuersConfig } from './config.ts';

const code = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    return hasCode(e, 'OIDC_CONFIG') ? 'OIDC_CONFIG' : String(e);
  }
  return 'no error';
};

describe('issuer configuration (Fulcio format)', () => {
  it('reads the YAML form', () => {
    const c = parseIssuersConfig(`
oidc-issuers:
  https://kubernetes.default.svc:
    issuer-url: https://kubernetes.default.svc
    client-id: sigstore
    type: kubernetes
  https://accounts.example.com:
    issuer-url: https://accounts.example.com
    client-id: sigstore
    type: email
    issuer-claim: $.federated_claims.connector_id
meta-issuers:
  https://oidc.eks.*.amazonaws.com/id/*:
    client-id: sigstore
    type: kubernetes
`);
    expect(c.issuers.get('https://kubernetes.default.svc')).toMatchObject({
      type: 'kubernetes',
      clientId: 'sigstore',
    });
    expect(c.issuers.get('https://accounts.example.com')?.issuerClaim).toBe(
      '$.federated_claims.connector_id',
    );
    expect(lookupIssuer(c, 'https://oidc.eks.us-west-2.amazonaws.com/id/B02C93B6')).toMatchObject({
      issuerUrl: 'https://oidc.eks.us-west-2.amazonaws.com/id/B02C93B6',
      type: 'kubernetes',
    });
  });

  it('reads the JSON form (https://github.com/sigstore/fulcio/blob/main/docs/oidc.md example)', () => {
    const c = parseIssuersConfig(
      JSON.stringify({
        OIDCIssuers: {
          'https://kubernetes.default.svc': {
            IssuerURL: 'https://kubernetes.default.svc',
            ClientID: 'sigstore',
            Type: 'kubernetes',
          },
        },
        MetaIssuers: {
          'https://container.googleapis.com/v1/projects/*/locations/*/clusters/*': {
            ClientID: 'sigstore',
            Type: 'kubernetes',
          },
        },
      }),
    );
    expect(lookupIssuer(c, 'https://kubernetes.default.svc')?.type).toBe('kubernetes');
    expect(
      lookupIssuer(c, 'https://container.googleapis.com/v1/projects/p/locations/l/clusters/c'),
    ).toBeDefined();
    expect(lookupIssuer(c, 'https://other.example')).toBeUndefined();
  });

  it('meta patterns: * never spans "." or "/", and the match is anchored (GHSA-59jp-pj84-45mr)', () => {
    const re = metaRegex('https://oidc.eks.*.amazonaws.com/id/*');
    expect(re.test('https://oidc.eks.us-west-2.amazonaws.com/id/ABC')).toBe(true);
    expect(re.test('https://oidc.eks.a.b.amazonaws.com/id/ABC')).toBe(false);
    expect(re.test('https://oidc.eks.x.amazonaws.com/id/A/B')).toBe(false);
    expect(re.test('http://localhost:3000?https://oidc.eks.x.amazonaws.com/id/A')).toBe(false);
    expect(re.test('https://oidcXeks.x.amazonaws.com/id/A')).toBe(false);
  });

  it('refuses what Fulcio refuses', () => {
    const one = (i: object): string =>
      code(() =>
        parseIssuersConfig(
          JSON.stringify({
            OIDCIssuers: { 'https://i.example.com': { IssuerURL: 'https://i.example.com', ...i } },
          }),
        ),
      );
    expect(one({ ClientID: 'sigstore', Type: 'github-workflow' })).toBe('OIDC_CONFIG');
    expect(one({ Type: 'email' })).toBe('OIDC_CONFIG');
    expect(one({ ClientID: 'sigstore', Type: 'kubernetes', IssuerClaim: '$.x' })).toBe('OIDC_CONFIG');
    expect(one({ ClientID: 'sigstore', Type: 'spiffe' })).toBe('OIDC_CONFIG');
    expect(one({ ClientID: 'sigstore', Type: 'spiffe', SPIFFETrustDomain: 'Bad Domain' })).toBe(
      'OIDC_CONFIG',
    );
    expect(one({ ClientID: 'sigstore', Type: 'uri' })).toBe('OIDC_CONFIG');
    expect(one({ ClientID: 'sigstore', Type: 'uri', SubjectDomain: 'https://other.org' })).toBe(
      'OIDC_CONFIG',
    );
    expect(one({ ClientID: 'sigstore', Type: 'uri', SubjectDomain: 'https://users.example.com' })).toBe(
      'no error',
    );
    expect(
      code(() =>
        parseIssuersConfig(
          JSON.stringify({
            MetaIssuers: {
              'https://*.example.com': { ClientID: 'x', Type: 'spiffe', SPIFFETrustDomain: 'a' },
            },
          }),
        ),
      ),
    ).toBe('OIDC_CONFIG');
    expect(code(() => parseIssuersConfig('oidc-issuers: [1, 2]'))).toBe('OIDC_CONFIG');
    expect(code(() => parseIssuersConfig('{{{'))).toBe('OIDC_CONFIG');
  });
});
