import { describe, expect, it } from 'vitest';
import { canonicalize, goMarshal } from './json.ts';
import { parseDigest } from './digest.ts';
import { preAuthEncoding, parseEnvelope } from './dsse.ts';
import { decodePem, encodePem, fromBase64 } from './encoding.ts';
import { ChainsError, hasCode } from './errors.ts';

describe('parseDigest (Chains rules)', () => {
  const ok = [
    `sha256:${'a'.repeat(64)}`,
    `sha384:${'b'.repeat(96)}`,
    `sha512:${'c'.repeat(128)}`,
    `sha1:${'0123456789abcdef0123'.repeat(2)}`,
  ];
  const bad = [
    ['no colon', 'abc'],
    ['unknown alg', `md5:${'a'.repeat(32)}`],
    ['short sha256', `sha256:${'a'.repeat(63)}`],
    ['non-hex', `sha256:${'g'.repeat(64)}`],
    ['uppercase hex (go-digest)', `sha256:${'A'.repeat(64)}`],
    ['two colons', `sha256:${'a'.repeat(64)}:x`],
    ['sha1 uppercase', `sha1:${'A'.repeat(40)}`],
    ['sha1 length', `sha1:${'a'.repeat(41)}`],
    ['empty', ''],
  ];
  it.each(ok)('accepts %s', (d) => expect(parseDigest(d).hex.length).toBeGreaterThan(0));
  it('lower-cases and trims the algorithm as Chains does', () => {
    expect(parseDigest(` SHA256:${'a'.repeat(64)}`)).toEqual({ algorithm: 'sha256', hex: 'a'.repeat(64) });
  });
  it.each(bad)('rejects %s', (_n, d) => {
    expect(() => parseDigest(d as string)).toThrow(ChainsError);
    try {
      parseDigest(d as string);
    } catch (e) {
      expect(hasCode(e, 'INVALID_DIGEST')).toBe(true);
    }
  });
});

describe('json', () => {
  it('canonicalizes per RFC 8785 (sorted keys, no whitespace)', () => {
    expect(canonicalize({ b: 1, a: [true, null, 'x'], c: { z: 1.5, y: 'é' } })).toBe(
      '{"a":[true,null,"x"],"b":1,"c":{"y":"é","z":1.5}}',
    );
    expect(canonicalize({ '\u20ac': 1, '\r': 2, '1': 3 })).toBe('{"\\r":2,"1":3,"€":1}');
  });
  it('marshals like Go, escaping HTML characters', () => {
    expect(goMarshal({ a: '<x>&y', b: null })).toBe('{"a":"\\u003cx\\u003e\\u0026y","b":null}');
  });
});

describe('dsse', () => {
  it('builds the PAE exactly per the spec', () => {
    // Example from the DSSE protocol doc: DSSEv1 29 http://example.com/HelloWorld 11 hello world
    expect(preAuthEncoding('http://example.com/HelloWorld', Buffer.from('hello world')).toString()).toBe(
      'DSSEv1 29 http://example.com/HelloWorld 11 hello world',
    );
  });
  it('counts bytes, not characters', () => {
    expect(preAuthEncoding('t', Buffer.from('é')).toString()).toBe('DSSEv1 1 t 2 é');
  });
  it.each([
    ['not json', '{'],
    ['no signatures', '{"payloadType":"t","payload":"","signatures":[]}'],
    ['missing type', '{"payload":"","signatures":[{"sig":"AA=="}]}'],
  ])('rejects a malformed envelope: %s', (_n, text) => {
    expect(() => parseEnvelope(text)).toThrow(/DSSE envelope/);
  });
});

describe('pem and base64', () => {
  it('round-trips with 64-column lines', () => {
    const bytes = Buffer.alloc(100, 7);
    const pem = encodePem('PUBLIC KEY', bytes);
    expect(pem.split('\n')[1]).toHaveLength(64);
    expect(decodePem(pem).bytes.equals(bytes)).toBe(true);
  });
  it('rejects garbage base64 instead of skipping characters', () => {
    expect(() => fromBase64('ab$d')).toThrow(/base64/);
  });
  it('rejects text with no PEM block', () => {
    expect(() => decodePem('hello')).toThrow(/invalid pem block/);
  });
});
