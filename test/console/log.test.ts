import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { pinnedTrust, startConsole } from '../../src/console/index.ts';
import type { RunningConsole } from '../../src/console/index.ts';
import { CSP } from '../../src/console/http.ts';
import { Signer, launchChromium, screenshot, statement, watchPage } from './browser.ts';
import { startTestLog, tamperingProxy, tempDir } from './harness.ts';
import type { TestLog } from './harness.ts';

const HOSTILE = {
  subject: '<img src=x onerror="window.__pwned=1;alert(1)">',
  material: 'javascript:alert(document.domain)',
  image: '</script><script>window.__pwned=2;alert(2)</script>',
  param: '<a href="javascript:alert(3)" style="position:fixed;inset:0">click</a>',
  digest: 'b'.repeat(64),
};

describe('console: log, search and entry pages in Chromium', () => {
  let log: TestLog;
  let pinned: RunningConsole;
  let tofu: RunningConsole;
  let proxy: Awaited<ReturnType<typeof tamperingProxy>>;
  let browser: Browser;
  let page: Page;
  let problems: string[];
  const signer = new Signer();
  const artifact = signer.hashedRekord('hello console');
  let hostileUuid = '';

  beforeAll(async () => {
    const dir = tempDir();
    log = await startTestLog(dir);
    for (let i = 0; i < 25; i++) await log.add(signer.hashedRekord(`filler ${i}`).proposed);
    await log.add(artifact.proposed);
    hostileUuid = (await log.add(signer.intoto(statement(HOSTILE)))).uuid;
    proxy = await tamperingProxy(log.server.url);
    pinned = await startConsole({
      addr: '127.0.0.1:0',
      rekorUrl: log.server.url,
      trust: pinnedTrust({ rekorPublicKey: { text: log.server.publicKeyPem, from: log.keyFile } }),
    });
    tofu = await startConsole({ addr: '127.0.0.1:0', rekorUrl: proxy.url });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await pinned?.close();
    await tofu?.close();
    await proxy?.close();
    await log?.server.close();
  });

  beforeAllPage();
  function beforeAllPage(): void {
    beforeAll(async () => {
      page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      problems = watchPage(page);
    });
  }

  it('serves every page address with a strict CSP, nosniff, and refuses writes', async () => {
    for (const path of [
      '/log',
      `/log/entries/${'a'.repeat(64)}`,
      '/search?q=1',
      '/runs',
      '/runs/ns/x',
      '/images/r%2Fx',
      '/diff',
    ]) {
      const r = await fetch(`${pinned.url}${path}`);
      expect(r.status, path).toBe(200);
      expect(r.headers.get('content-security-policy')).toBe(CSP);
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
      expect(await r.text()).not.toMatch(/<script>|<style|\son\w+=/);
    }
    const post = await fetch(`${pinned.url}/api/log`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect((await fetch(`${pinned.url}/nope`)).status).toBe(404);
    expect((await fetch(`${pinned.url}/api/search?q=%3Cb%3E`)).status).toBe(400);
  });

  it('shows the tree size, the checkpoint and recent entries, paged', async () => {
    await page.goto(`${pinned.url}/log`);
    await page.waitForSelector('table.entries tbody tr');
    expect(await page.getAttribute('[data-tree-size]', 'data-tree-size')).toBe('27');
    const cp = page.locator('[data-check="checkpoint"]');
    await cp.waitFor();
    expect(await cp.getAttribute('data-verified')).toBe('true');
    expect(await page.locator('table.entries tbody tr').count()).toBe(20);
    expect(await page.locator('table.entries tbody tr').first().locator('td').first().textContent()).toBe(
      '26',
    );
    await screenshot(page, 'log');
    await page.getByRole('link', { name: 'Older →' }).click();
    await page.waitForURL(/\/log\?end=7$/);
    await page.waitForSelector('table.entries tbody tr');
    expect(await page.locator('table.entries tbody tr').count()).toBe(7);
    await screenshot(page, 'log-older');
  });

  it('search a digest, open the entry, see ✓ with data-verified="true"', async () => {
    await page.goto(`${pinned.url}/log`);
    await page.fill('#q', `sha256:${artifact.digest}`);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/search\?q=/);
    await page.waitForSelector('[data-search-total]');
    expect(await page.getAttribute('[data-search-total]', 'data-search-total')).toBe('1');
    await screenshot(page, 'search');
    await page.locator('table.entries a').first().click();
    await page.waitForURL(/\/log\/entries\/[0-9a-f]+$/);
    const verdict = page.locator('[data-verified]');
    await verdict.waitFor();
    expect(await verdict.getAttribute('data-verified')).toBe('true');
    expect(await verdict.getAttribute('data-check')).toBe('key uuid set checkpoint inclusion');
    expect(await verdict.textContent()).toContain('✓ Verified in this browser');
    expect(await page.getAttribute('[data-trust]', 'data-trust')).toBe('rekor-public-key');
    expect(await page.getAttribute('[data-kind]', 'data-kind')).toBe('hashedrekord');
    expect(await page.locator('.proof svg').count()).toBe(1);
    expect(await page.textContent('main')).toContain('public key, SHA-256 fingerprint');
    await screenshot(page, 'entry');
    // a deep link works on reload
    await page.reload();
    await page.locator('[data-verified="true"]').waitFor();
    expect(problems).toEqual([]);
  });

  it('is usable with the keyboard: Tab reaches the search box and the entry links, focus is visible, Enter opens', async () => {
    await page.goto(`${pinned.url}/log`);
    await page.waitForSelector('table.entries a');
    const focused = async (): Promise<string> =>
      page.evaluate<string>(
        `(() => { const e = document.activeElement; return e ? e.tagName + (e.id ? '#' + e.id : '') + '|' + (e.closest('table.entries') ? 'entry' : '') : '' })()`,
      );
    const seen: string[] = [];
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press('Tab');
      seen.push(await focused());
      if (seen.at(-1)?.endsWith('|entry')) break;
    }
    expect(seen).toContain('INPUT#q|');
    expect(seen.at(-1)).toBe('A|entry');
    const outline = await page.evaluate<string>('getComputedStyle(document.activeElement).outlineStyle');
    expect(outline).not.toBe('none');
    await screenshot(page, 'keyboard-focus');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/log\/entries\//);
    await page.locator('[data-verified="true"]').waitFor();
  });

  it('finds the entry by log index, UUID and public key as tlog search does', async () => {
    const res = async (q: string) =>
      (await (await fetch(`${pinned.url}/api/search?q=${encodeURIComponent(q)}`)).json()) as {
        type: string;
        total: number;
      };
    expect(await res('25')).toMatchObject({ type: 'index', total: 1 });
    expect(await res(artifact.digest)).toMatchObject({ type: 'hash', total: 1 });
    expect(await res(hostileUuid)).toMatchObject({ type: 'uuid', total: 1 });
    expect(await res(hostileUuid.slice(-64))).toMatchObject({ type: 'hash', total: 1 });
    expect(await res(signer.publicKeyPem)).toMatchObject({ type: 'publicKey', total: 27 });
    expect(await res('nobody@example.com')).toMatchObject({ type: 'email', total: 0 });
  });

  for (const [mode, check] of [
    ['proof', 'inclusion'],
    ['set', 'set'],
    ['checkpoint', 'checkpoint'],
  ] as const)
    it(`a tampered ${mode} from a lying log shows ✗ naming the ${check} check`, async () => {
      proxy.mode = mode;
      try {
        const uuid = (await log.client.getEntryByIndex(25)).uuid;
        await page.goto(`${tofu.url}/log/entries/${uuid}`);
        const verdict = page.locator('[data-verified]');
        await verdict.waitFor();
        expect(await verdict.getAttribute('data-verified')).toBe('false');
        expect(await verdict.getAttribute('data-check')).toBe(check);
        expect(await verdict.textContent()).toContain('✗');
        expect(await page.getAttribute('[data-trust]', 'data-trust')).toBe('first-use');
        expect(await page.textContent('[data-trust]')).toContain('taken on first use');
        // checks after the failing one are not claimed
        const states = await page.$$eval('[data-check-name]', (els) =>
          els.map((e) => `${e.getAttribute('data-check-name')}=${e.getAttribute('data-state')}`),
        );
        expect(states).toContain(`${check}=failed`);
        expect(states.filter((s) => s.endsWith('=ok')).length).toBeLessThan(5);
        await screenshot(page, `entry-tampered-${mode}`);
        if (mode === 'checkpoint') {
          await page.goto(`${tofu.url}/log`);
          const cp = page.locator('[data-check="checkpoint"]');
          await cp.waitFor();
          expect(await cp.getAttribute('data-verified')).toBe('false');
        }
      } finally {
        proxy.mode = 'none';
      }
    });

  it('the untampered entry through the same proxy verifies (the double only lies when told)', async () => {
    await page.goto(`${tofu.url}/log/entries/${hostileUuid}`);
    await page.locator('[data-verified]').waitFor();
    expect(await page.getAttribute('[data-verified]', 'data-verified')).toBe('true');
    await screenshot(page, 'entry-through-proxy');
  });

  it('renders a hostile statement as plain text and runs none of it', async () => {
    const events: string[] = [];
    page.on('dialog', (d) => events.push(d.message()));
    await page.goto(`${pinned.url}/log/entries/${hostileUuid}`);
    await page.locator('[data-statement="picture"]').waitFor();
    const text = await page.textContent('main');
    for (const s of [HOSTILE.subject, HOSTILE.material, HOSTILE.image, HOSTILE.param])
      expect(text).toContain(s);
    const dom = await page.evaluate<unknown>(`({
      pwned: window.__pwned,
      imgs: document.querySelectorAll('img').length,
      scripts: [...document.querySelectorAll('script')].map((s) => s.getAttribute('src')),
      jsLinks: [...document.querySelectorAll('a')].filter((a) => !a.getAttribute('href')?.startsWith('/')).length,
      styled: document.querySelectorAll('[style]').length,
    })`);
    expect(dom).toEqual({ pwned: undefined, imgs: 0, scripts: ['/assets/app.js'], jsLinks: 0, styled: 0 });
    expect(events).toEqual([]);
    expect(problems).toEqual([]);
    await screenshot(page, 'entry-hostile');
  });
});
