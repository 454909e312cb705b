import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { CertificateAuthority, loadCa, startCaServer } from '../../src/ca/index.ts';
import type { RunningCa } from '../../src/ca/index.ts';
import { consoleFromFlags, imagesFromFlags } from '../../src/cli/console-wiring.ts';
import type { RunningConsole } from '../../src/console/index.ts';
import { TokenVerifier, singleIssuer } from '../../src/oidc/index.ts';
import { mintToken } from '../../src/oidc/issuer/index.ts';
import { RegistryClient } from '../../src/registry/index.ts';
import { startStack } from '../../src/stack/index.ts';
import type { RunningStack } from '../../src/stack/index.ts';
import { chains } from '../keys/helpers.ts';
import { testRegistries } from '../setup/env.ts';
import { pushRandomImage } from '../storage/oci/helpers.ts';
import { launchChromium, screenshot, watchPage } from './browser.ts';
import { tempDir } from './harness.ts';

/**
 * The image page gives keyless signatures and attestations a real verdict against `--trusted-root` (chain, SCT,
 * log time, signature, log entry, claims) and shows the certificate's identity and issuer as text; one signed
 * under another root is ✗ with the chain check named.
 */

const SA = 'default/builder';
const SAN = 'https://kubernetes.io/namespaces/default/serviceaccounts/builder';
const KEYLESS_CHECKS = 'chain sct tlog-time signature tlog claims';

describe('console: keyless signatures on the image page', () => {
  const dir = tempDir();
  let stack: RunningStack;
  let otherCa: RunningCa;
  let con: RunningConsole;
  let browser: Browser;
  let trusted = '';
  let foreign = '';

  /** Keyless `sign` and `attest` (legacy `.sig`/`.att`) and a `sign --new-bundle-format` referrer. */
  async function signAndAttest(ref: string, fulcio: string): Promise<void> {
    const token = join(dir, 'token');
    const flags = ['--allow-insecure-registry', '--fulcio-url', fulcio, '--rekor-url', stack.urls.rekor];
    for (const args of [
      ['sign', ref, ...flags],
      ['attest', ref, '--predicate', join(dir, 'predicate.json'), '--type', 'slsaprovenance02', ...flags],
      ['sign', ref, '--new-bundle-format', ...flags],
    ]) {
      const r = await chains([...args, '--identity-token', token], { cwd: dir });
      expect(r.code, r.stderr).toBe(0);
    }
  }

  /** The verdict elements of the image page: kind, data-verified, data-check, text. */
  async function verdicts(page: Page, ref: string) {
    await page.goto(`${con.url}/images/${encodeURIComponent(ref)}`);
    await page.waitForSelector('[data-verdict]');
    return page.$$eval('[data-verdict]', (els) =>
      els.map((e) => ({
        kind: `${e.getAttribute('data-kind')}/${e.getAttribute('data-source')}`,
        verified: e.getAttribute('data-verified'),
        check: e.getAttribute('data-check'),
        text: e.textContent ?? '',
      })),
    );
  }

  beforeAll(async () => {
    stack = await startStack({
      dir: join(dir, 'stack'),
      ports: { registry: 0, tlog: 0, ca: 0, ctlog: 0, oidc: 0 },
    });
    writeFileSync(join(dir, 'token'), await mintToken({ dir: stack.dirs.oidc, kubernetesSa: SA }));
    writeFileSync(join(dir, 'predicate.json'), JSON.stringify({ builder: { id: 'https://test/builder' } }));
    // a second CA, trusting the same OIDC issuer, whose root the stack's trusted root does not name
    const other = join(dir, 'other-ca');
    expect((await chains(['ca', 'init', '--dir', other, '--curve', 'P-256'], { cwd: dir })).code).toBe(0);
    const verifier = new TokenVerifier(
      singleIssuer({ issuerUrl: stack.urls.oidcIssuer, clientId: 'sigstore', type: 'kubernetes' }),
    );
    otherCa = await startCaServer(new CertificateAuthority(await loadCa(other), verifier), {
      addr: '127.0.0.1:0',
    });
    const client = new RegistryClient({ insecure: true });
    const host = testRegistries().plain;
    const a = await pushRandomImage(client, host, 'console-keyless/trusted');
    const b = await pushRandomImage(client, host, 'console-keyless/foreign');
    trusted = `${a.repository}@${a.digest}`;
    foreign = `${b.repository}@${b.digest}`;
    await signAndAttest(trusted, stack.urls.fulcio);
    await signAndAttest(foreign, otherCa.url);
    con = await consoleFromFlags({
      addr: '127.0.0.1:0',
      rekorUrl: stack.urls.rekor,
      trustedRoot: stack.trustedRootPath,
    });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await con?.close();
    await otherCa?.close();
    await stack?.close();
  });

  it('a keyless-signed image shows ✓ for its signatures and attestation, with the identity and issuer', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const problems = watchPage(page);
    const items = await verdicts(page, trusted);
    expect(items.map((i) => i.kind).sort()).toEqual([
      'attestation/legacy',
      'signature/legacy',
      'signature/referrer',
    ]);
    for (const i of items) {
      expect(i.verified).toBe('true');
      expect(i.check).toBe(KEYLESS_CHECKS);
      expect(i.text).toContain('✓ verified');
      expect(i.text).toContain(`certificate for ${SAN} issued by OIDC issuer ${stack.urls.oidcIssuer}`);
      expect(i.text).not.toContain('(not verified)');
    }
    expect(await page.textContent('[data-server-side]')).toContain(
      `the CAs and CT logs of ${stack.trustedRootPath}`,
    );
    await screenshot(page, 'image-keyless');
    expect(problems).toEqual([]);
  });

  it('an image signed under another root shows ✗ naming the chain check', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const problems = watchPage(page);
    const items = await verdicts(page, foreign);
    expect(items).toHaveLength(3);
    for (const i of items) {
      expect(i.verified).toBe('false');
      expect(i.check).toBe('chain');
      expect(i.text).toContain('✗ failed');
      expect(i.text).toContain('certificate signed by unknown authority');
      expect(i.text).toContain(
        `certificate for ${SAN} issued by OIDC issuer ${stack.urls.oidcIssuer} (not verified)`,
      );
      expect(i.text).not.toContain('✓');
    }
    await screenshot(page, 'image-keyless-other-root');
    expect(problems).toEqual([]);
  });

  it('searching the certificate identity (a URI SAN) finds the keyless entries, as tlog search --email does', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const problems = watchPage(page);
    await page.goto(`${con.url}/search?q=${encodeURIComponent(SAN)}`);
    await page.waitForSelector('[data-search-total]');
    expect(await page.getAttribute('[data-search-total]', 'data-search-type')).toBe('identity');
    // sign, attest and the referrer, for each of the two images (the log checks no CA root)
    expect(await page.getAttribute('[data-search-total]', 'data-search-total')).toBe('6');
    expect(await page.textContent('main')).toContain('6 entries for this certificate identity');
    const cli = await chains(['tlog', 'search', '--email', SAN, '--rekor-server', stack.urls.rekor], {
      cwd: dir,
    });
    expect(cli.stdout.trim().split('\n')).toHaveLength(6);
    const other = await fetch(`${con.url}/api/search?q=${encodeURIComponent(`${SAN}x`)}`);
    expect(await other.json()).toMatchObject({ type: 'identity', total: 0 });
    expect(problems).toEqual([]);
  });

  it('without --trusted-root a keyless signature is not checked, and carries no verdict', async () => {
    const report = await imagesFromFlags({ addr: '', rekorUrl: stack.urls.rekor }, undefined).verify(trusted);
    expect(report.items).toHaveLength(3);
    for (const i of report.items) {
      expect(i.verdict).toBe('not-checked');
      expect(i.checks).toBeUndefined();
      expect(i.reason).toMatch(/no --trusted-root given/);
    }
  });
});
