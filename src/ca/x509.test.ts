import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  basicConstraints,
  codeSigningEku,
  fulcioExtensions,
  keyUsage,
  LEAF_KEY_USAGE,
  subjectAltName,
} from './extensions.ts';
import {
  EMPTY_NAME,
  libraryTbsDer,
  nameFrom,
  randomSerial,
  signCertificate,
  signerFor,
  tbsDer,
} from './x509.ts';
import type { CertificateSpec } from './x509.ts';

describe('certificate encoding', () => {
  const key = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const leafKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
  const p = {
    type: 'email' as const,
    name: 'a@b.co',
    san: { kind: 'email' as const, value: 'a@b.co' },
    issuer: 'https://i.example',
    subject: 's',
  };
  const spec = (notAfter: Date, extensions: CertificateSpec['extensions']): CertificateSpec => ({
    serial: randomSerial(),
    issuer: nameFrom('O=chains, CN=chains-intermediate'),
    subject: EMPTY_NAME,
    notBefore: new Date('2026-12-02T04:00:00Z'),
    notAfter,
    spki: leafKey.export({ type: 'spki', format: 'der' }),
    extensions,
  });

  it('the framed TBS equals the library encoding of the whole TBSCertificate, byte for byte', () => {
    const cases = [
      spec(new Date('2026-12-02T04:10:00Z'), [
        keyUsage(LEAF_KEY_USAGE),
        codeSigningEku(),
        subjectAltName(p),
        ...fulcioExtensions(p),
      ]),
      spec(new Date('2051-01-01T00:00:00Z'), [basicConstraints(0)]), // GeneralizedTime after 2049
      spec(new Date('2026-12-02T04:10:00Z'), []), // no extensions field at all
    ];
    for (const s of cases)
      for (const h of ['sha256', 'sha384'] as const)
        expect(tbsDer(s, h).equals(libraryTbsDer(s, h))).toBe(true);
  });

  it('serials are positive, minimal, below 2^159', () => {
    for (let i = 0; i < 200; i++) {
      const s = randomSerial();
      expect(s.length).toBe(20);
      expect(s[0]).toBeGreaterThan(0);
      expect(s[0]).toBeLessThan(0x80);
    }
  });

  it('signed certificates parse and verify with node', () => {
    const der = signCertificate(
      spec(new Date('2026-12-02T04:10:00Z'), [keyUsage(LEAF_KEY_USAGE)]),
      signerFor(key.privateKey),
    );
    const c = new X509Certificate(der);
    expect(c.verify(key.publicKey)).toBe(true);
    expect(c.validTo).toBe('Dec  2 04:10:00 2026 GMT');
  });
});
