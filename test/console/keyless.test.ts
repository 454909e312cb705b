import 'reflect-metadata';
import { createHash, createPrivateKey, sign, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { pinnedTrust, startConsole } from '../../src/console/index.ts';
import type { RunningConsole } from '../../src/console/index.ts';
import { proposeHashedRekord } from '../../src/tlog/client/index.ts';
import { launchChromium, screenshot, watchPage } from './browser.ts';
import { startTestLog, tempDir } from './harness.ts';
import type { TestLog } from './harness.ts';

const ISSUER_OID = '1.3.6.1.4.1.57264.1.8'; // Fulcio OIDC issuer (v2), a DER UTF8String

/** A short-lived certificate shaped like Fulcio's: email SAN and the issuer extension. */
async function fulcioLikeCert(email: string, issuer: string): Promise<{ pem: string; keyPem: string }> {
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = (await webcrypto.subtle.generateKey(alg, true, [
    'sign',
    'verify',
  ])) as unknown as webcrypto.CryptoKeyPair;
  const issuerDer = Buffer.concat([Buffer.from([0x0c, issuer.length]), Buffer.from(issuer)]);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'O=sigstore.dev',
    notBefore: new Date(Date.now() - 3_600_000),
    notAfter: new Date(Date.now() + 3_600_000),
    signingAlgorithm: alg,
    keys,
    extensions: [
      new x509.SubjectAlternativeNameExtension([{ type: 'email', value: email }]),
      new x509.Extension(ISSUER_OID, false, issuerDer),
    ],
  });
  const pkcs8 = Buffer.from(
    await webcrypto.subtle.exportKey('pkcs8', keys.privateKey as unknown as webcrypto.CryptoKey),
  );
  const keyPem = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' })
    .export({ type: 'pkcs8', format: 'pem' })
    .toString();
  return { pem: cert.toString('pem'), keyPem };
}

describe('console: a certificate-signed entry, found by email', () => {
  let log: TestLog;
  let con: RunningConsole;
  let browser: Browser;

  beforeAll(async () => {
    log = await startTestLog(tempDir());
    const { pem, keyPem } = await fulcioLikeCert('dev@example.com', 'https://issuer.example');
    const artifact = Buffer.from('keyless artifact');
    const digest = createHash('sha256').update(artifact).digest('hex');
    const sig = sign('sha256', artifact, createPrivateKey(keyPem)).toString('base64');
    await log.add(proposeHashedRekord(digest, sig, pem));
    con = await startConsole({
      addr: '127.0.0.1:0',
      rekorUrl: log.server.url,
      trust: pinnedTrust({ rekorPublicKey: { text: log.server.publicKeyPem, from: log.keyFile } }),
    });
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await con?.close();
    await log?.server.close();
  });

  it('search by email finds it; the entry shows the certificate identity and OIDC issuer, verified', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const problems = watchPage(page);
    await page.goto(`${con.url}/search?q=${encodeURIComponent('dev@example.com')}`);
    await page.waitForSelector('[data-search-total]');
    expect(await page.getAttribute('[data-search-type]', 'data-search-type')).toBe('email');
    expect(await page.getAttribute('[data-search-total]', 'data-search-total')).toBe('1');
    await page.locator('table.entries a').first().click();
    await page.locator('[data-verified="true"]').waitFor();
    expect(await page.textContent('main')).toContain(
      'certificate for dev@example.com issued by OIDC issuer https://issuer.example',
    );
    await screenshot(page, 'entry-keyless');
    expect(problems).toEqual([]);
  });
});
