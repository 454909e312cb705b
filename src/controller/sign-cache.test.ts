import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { describe, expect, it } from 'vitest';
import type { SignedRecord } from '../core/signed.ts';
import { tooLateToLog } from './sign-cache.ts';

async function certificateValidUntil(notAfter: Date): Promise<string> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=keyless',
    keys,
    signingAlgorithm: alg,
    notBefore: new Date(notAfter.getTime() - 600_000),
    notAfter,
  });
  return cert.toString('pem');
}

const record = (identity: SignedRecord['identity']): SignedRecord => ({
  kind: 'dsse',
  bytes: Buffer.from('{}'),
  signature: '',
  identity,
});

describe('a cached keyless record is not sent to the log after its certificate (sign-cache.ts)', () => {
  it('is too late within 30 s of notAfter or after it; a key-signed record never is', async () => {
    const now = Date.now();
    const cert = (ms: number) => certificateValidUntil(new Date(Math.floor((now + ms) / 1000) * 1000));
    const id = async (ms: number) =>
      record({ kind: 'certificate', certificatePem: await cert(ms), chainPem: '', publicKeyPem: '' });
    expect(tooLateToLog(await id(5 * 60_000), now)).toBe(false);
    expect(tooLateToLog(await id(10_000), now)).toBe(true);
    expect(tooLateToLog(await id(-60_000), now)).toBe(true);
    expect(tooLateToLog(record({ kind: 'publicKey', publicKeyPem: '' }), now)).toBe(false);
    // a certificate that does not parse is not logged either: signed anew
    expect(
      tooLateToLog(record({ kind: 'certificate', certificatePem: 'x', chainPem: '', publicKeyPem: '' }), now),
    ).toBe(true);
  });
});
