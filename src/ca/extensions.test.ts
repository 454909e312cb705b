import { describe, expect, it } from 'vitest';
import type { Principal } from '../oidc/index.ts';
import {
  LEAF_KEY_USAGE,
  OID,
  codeSigningEku,
  fulcioExtensions,
  keyUsage,
  subjectAltName,
} from './extensions.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const p: Principal = {
  type: 'email',
  name: 'a@example.com',
  san: { kind: 'email', value: 'a@example.com' },
  issuer: 'https://accounts.example.com',
  subject: '1234',
};

describe('leaf extensions (https://github.com/sigstore/fulcio/blob/main/docs/certificate-specification.md)', () => {
  it('encode as Fulcio does', () => {
    expect(hex(keyUsage(LEAF_KEY_USAGE).value)).toBe('03020780');
    expect(hex(codeSigningEku().value)).toBe('300a06082b06010505070303');
    // rfc822Name [1] IA5String
    expect(hex(subjectAltName(p).value)).toBe(`300f810d${Buffer.from('a@example.com').toString('hex')}`);
    const uri = subjectAltName({ ...p, san: { kind: 'uri', value: 'https://x' } });
    expect(hex(uri.value)).toBe(`300b8609${Buffer.from('https://x').toString('hex')}`);
    const f = fulcioExtensions(p);
    expect(f.map((e) => e.oid)).toEqual([OID.fulcioIssuerV1, OID.fulcioIssuerV2, OID.fulcioSubject]);
    expect(Buffer.from(f[0]?.value ?? []).toString()).toBe(p.issuer); // 1.1: raw bytes, no tag
    expect(hex(f[1]?.value ?? new Uint8Array())).toBe(`0c1c${Buffer.from(p.issuer).toString('hex')}`); // 1.8 UTF8String
    expect(hex(f[2]?.value ?? new Uint8Array())).toBe(`0c04${Buffer.from('1234').toString('hex')}`); // 1.24
    expect(f.every((e) => !e.critical)).toBe(true);
  });

  it('an empty issuer is an error; no sub, no 1.24', () => {
    expect(() => fulcioExtensions({ ...p, issuer: '' })).toThrow(/non-empty issuer/);
    expect(fulcioExtensions({ ...p, subject: '' }).map((e) => e.oid)).not.toContain(OID.fulcioSubject);
  });
});
