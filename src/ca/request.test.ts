import { describe, expect, it } from 'vitest';
import { ChainsError } from '../core/errors.ts';
import { parseV1, parseV2 } from './request.ts';

const b = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));
const codeOf = (f: () => unknown): string => {
  try {
    f();
    return 'no error';
  } catch (e) {
    return e instanceof ChainsError ? e.code : String(e);
  }
};

describe('signing request parsing (grpc-gateway JSON)', () => {
  it('v2: token from the body, else the Bearer header; camelCase or snake_case; URL-safe base64', () => {
    const r = parseV2(
      b({
        credentials: { oidcIdentityToken: 'T' },
        publicKeyRequest: { publicKey: { algorithm: 'ECDSA', content: 'PEM' }, proofOfPossession: '-_8=' },
      }),
      'Bearer H',
    );
    expect(r).toEqual({
      token: 'T',
      key: { kind: 'publicKey', content: Buffer.from('PEM'), proof: Buffer.from([0xfb, 0xff]) },
    });
    const h = parseV2(
      b({ public_key_request: { public_key: { content: 'P' }, proof_of_possession: 'AA==' } }),
      'Bearer H',
    );
    expect(h.token).toBe('H');
    expect(parseV2(b({}), 'Basic x').token).toBe('');
    expect(parseV2(b({}), undefined).token).toBe('');
    const csr = parseV2(
      b({ certificateSigningRequest: Buffer.from('CSR').toString('base64'), publicKeyRequest: {} }),
      undefined,
    );
    expect(csr.key).toEqual({ kind: 'csr', pem: Buffer.from('CSR') });
    expect(parseV2(b({ unknownField: 1 }), undefined).key.kind).toBe('publicKey'); // unknown fields dropped
  });

  it('v1: content and signedEmailAddress are base64 bytes; the token only from the header', () => {
    const r = parseV1(
      b({
        publicKey: { content: Buffer.from('PEM').toString('base64') },
        signedEmailAddress: 'AQI=',
        certificateSigningRequest: null,
      }),
      'Bearer H',
    );
    expect(r).toEqual({
      token: 'H',
      key: { kind: 'publicKey', content: Buffer.from('PEM'), proof: Buffer.from([1, 2]) },
    });
    expect(codeOf(() => parseV1(b({}), 'Bearer H'))).toBe('CA_PUBLIC_KEY_INVALID');
  });

  it('malformed input is a coded CA_REQUEST_INVALID', () => {
    for (const body of ['{', '[]', '"x"', 'null'])
      expect([body, codeOf(() => parseV2(Buffer.from(body), undefined))]).toEqual([
        body,
        'CA_REQUEST_INVALID',
      ]);
    expect(codeOf(() => parseV2(b({ credentials: 'x' }), undefined))).toBe('CA_REQUEST_INVALID');
    expect(codeOf(() => parseV2(b({ credentials: { oidcIdentityToken: 5 } }), undefined))).toBe(
      'CA_REQUEST_INVALID',
    );
    expect(codeOf(() => parseV2(b({ publicKeyRequest: { proofOfPossession: '%%' } }), undefined))).toBe(
      'CA_REQUEST_INVALID',
    );
    expect(codeOf(() => parseV2(b({ certificateSigningRequest: 7 }), undefined))).toBe('CA_REQUEST_INVALID');
  });
});
