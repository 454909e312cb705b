import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { stringify } from 'yaml';
import { startConsole } from '../../src/console/index.ts';
import type { RunningConsole } from '../../src/console/index.ts';
import { localRunSource } from '../../src/cli/console-wiring.ts';
import { loadLocalConfig, startLocalController } from '../../src/cli/controller/local-mode.ts';
import type { LocalController } from '../../src/cli/controller/local-mode.ts';
import { keyFileSigner } from '../../src/cli/controller/signer.ts';
import { finishedKanikoTaskRun } from '../../src/demo/kaniko-run.ts';
import { pushDemoImage } from '../../src/demo/image.ts';
import { imagesFromFlags } from '../../src/cli/console-wiring.ts';
import { runChainsCli } from '../cli/in-process.ts';
import { RegistryClient } from '../../src/registry/client.ts';
import { startRegistryServer } from '../../src/registry/server/server.ts';
import type { RunningRegistry } from '../../src/registry/server/server.ts';
import { launchChromium, screenshot, watchPage } from './browser.ts';
import { startTestLog, tempDir } from './harness.ts';
import type { TestLog } from './harness.ts';

const digest = (c: string): string => `sha256:${c.repeat(64)}`;

function writeRun(
  dir: string,
  name: string,
  image: string,
  d: string,
  annotations: Record<string, string> = {},
  namespace = 'default',
): void {
  const run = finishedKanikoTaskRun({
    name,
    namespace,
    uid: randomUUID(),
    image,
    digest: d,
    finishedAt: new Date(),
  });
  run.metadata.annotations = annotations;
  writeFileSync(join(dir, `${name}.json`), `${JSON.stringify(run, null, 2)}\n`);
}

describe('console: runs, live updates and provenance in Chromium', () => {
  let log: TestLog;
  let con: RunningConsole;
  let source: Awaited<ReturnType<typeof localRunSource>>;
  let ctl: LocalController | undefined;
  let browser: Browser;
  let page: Page;
  let problems: string[];
  let work: string;
  let runsDir: string;
  let reg: RunningRegistry;
  let image = '';
  let digestA = '';
  let digestB = '';

  beforeAll(async () => {
    work = tempDir();
    runsDir = join(work, 'runs');
    mkdirSync(runsDir);
    log = await startTestLog(work);
    reg = await startRegistryServer({ addr: '127.0.0.1:0' });
    image = `${reg.host}/app`;
    digestA = await pushDemoImage(new RegistryClient(), image, 'a', 'build a\n');
    digestB = await pushDemoImage(new RegistryClient(), image, 'b', 'build b\n');
    writeRun(runsDir, 'build-a', image, digestA);
    writeRun(runsDir, 'build-b', image, digestB);
    // a hostile run file: its name and failure reason are attacker text
    writeRun(runsDir, 'hostile', '127.0.0.1:5999/x', digest('c'), {
      'chains.tekton.dev/signed': 'failed',
      'chains.tekton.dev/retries': '3',
      'chains.tekton.dev/failure-reason':
        '<img src=x onerror="window.__pwned=1"> javascript:alert(1) </script>',
    });
    source = await localRunSource(runsDir, undefined, 100);
    const keyFile = join(work, 'x509.pem');
    const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(keyFile, key.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    writeFileSync(join(work, 'cosign.pub'), key.publicKey.export({ type: 'spki', format: 'pem' }));
    const flags = { addr: '127.0.0.1:0', rekorUrl: log.server.url, key: join(work, 'cosign.pub') };
    con = await startConsole({ ...flags, runs: source, images: imagesFromFlags(flags, undefined) });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    problems = watchPage(page);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await ctl?.stop();
    source?.close();
    await con?.close();
    await log?.server.close();
    await reg?.close();
  });

  it('the runs page updates while the runs are being signed (server-sent events, no reload)', async () => {
    await page.goto(`${con.url}/runs`);
    await page.waitForSelector('tr[data-run="default/build-a"]');
    expect(await page.getAttribute('tr[data-run="default/build-a"]', 'data-status')).toBe('pending');
    expect(await page.getAttribute('tr[data-run="default/hostile"]', 'data-status')).toBe('failed');
    await page.evaluate('window.__same = 1');
    const cfg = join(work, 'chains-config.yaml');
    writeFileSync(
      cfg,
      stringify({
        'artifacts.taskrun.format': 'in-toto',
        'artifacts.taskrun.storage': 'tekton,oci',
        'artifacts.oci.storage': 'oci',
        'transparency.enabled': 'true',
        'transparency.url': log.server.url,
      }),
    );
    const keyFile = join(work, 'x509.pem');
    ctl = await startLocalController({
      dir: runsDir,
      config: loadLocalConfig(cfg, () => undefined),
      signer: await keyFileSigner(keyFile, false),
      storeDir: join(work, 'store'),
      threads: 1,
      log: () => undefined,
    });
    await page.waitForSelector('tr[data-run="default/build-a"][data-status="signed"]', { timeout: 30_000 });
    await page.waitForSelector('tr[data-run="default/build-b"][data-status="signed"]', { timeout: 30_000 });
    expect(await page.evaluate('window.__same')).toBe(1);
    expect(
      await page.locator('tr[data-run="default/build-a"] a[href^="/search?q="]').count(),
    ).toBeGreaterThan(0);
    expect(await page.textContent('tr[data-run="default/build-a"]')).toContain(
      `${image}:${digestA.replace(':', '-')}.att`,
    );
    await screenshot(page, 'runs');
  });

  it('filters by namespace and status with stable addresses', async () => {
    await page.goto(`${con.url}/runs?status=failed`);
    await page.waitForSelector('table.runs');
    expect(await page.locator('table.runs tbody tr').count()).toBe(1);
    await page.selectOption('select >> nth=1', 'signed');
    await page.waitForURL(/status=signed/);
    await page.waitForSelector('tr[data-run="default/build-a"]');
    expect(await page.locator('table.runs tbody tr').count()).toBe(2);
    await screenshot(page, 'runs-filtered');
  });

  it('filters by namespace: a run in another namespace is listed alone, and the namespace menu leaves it out', async () => {
    writeRun(runsDir, 'team-b-run', image, digestA, { 'chains.tekton.dev/signed': 'true' }, 'team-b');
    await page.goto(`${con.url}/runs?namespace=team-b`);
    await page.waitForSelector('tr[data-run="team-b/team-b-run"]');
    expect(await page.locator('table.runs tbody tr').count()).toBe(1);
    await page.selectOption('select >> nth=0', 'default');
    await page.waitForURL(/\/runs\?namespace=default$/);
    await page.waitForSelector('tr[data-run="default/build-a"]');
    const shown = await page.$$eval('table.runs tbody tr', (els) =>
      els.map((e) => e.getAttribute('data-run')),
    );
    expect(shown.sort()).toEqual(['default/build-a', 'default/build-b', 'default/hostile']);
    await page.selectOption('select >> nth=0', '');
    await page.waitForURL(/\/runs$/);
    await page.waitForSelector('tr[data-run="team-b/team-b-run"]');
    expect(await page.locator('table.runs tbody tr').count()).toBe(4);
  });

  it('shows hostile run data as text', async () => {
    await page.goto(`${con.url}/runs`);
    await page.waitForSelector('tr[data-run="default/hostile"]');
    expect(await page.textContent('tr[data-run="default/hostile"] .reason')).toBe(
      '<img src=x onerror="window.__pwned=1"> javascript:alert(1) </script>',
    );
    const dom = await page.evaluate<unknown>(
      `({ pwned: window.__pwned, imgs: document.querySelectorAll('img').length })`,
    );
    expect(dom).toEqual({ pwned: undefined, imgs: 0 });
    await screenshot(page, 'runs-hostile');
  });

  it('draws a run’s signed statement as materials → steps → subjects', async () => {
    await page.goto(`${con.url}/runs/default/build-a`);
    await page.locator('[data-statement="picture"]').waitFor();
    const text = await page.textContent('main');
    expect(text).toContain('The signed payload stored on the run');
    expect(await page.textContent('.subjects')).toContain(digestA);
    expect(await page.textContent('.steps')).toContain('gcr.io/kaniko-project/executor');
    expect(await page.textContent('[data-field="builder"]')).toBe('https://tekton.dev/chains/v2');
    await screenshot(page, 'provenance');
  });

  it('diffs two builds of the same image side by side', async () => {
    await page.goto(
      `${con.url}/diff?a=${encodeURIComponent('run:default/build-a')}&b=${encodeURIComponent('run:default/build-b')}`,
    );
    const table = page.locator('table.diff');
    await table.waitFor();
    expect(Number(await table.getAttribute('data-changes'))).toBeGreaterThanOrEqual(1);
    const subject = page.locator('tr[data-change="changed"]', { hasText: '/subject/0/digest/sha256' });
    expect(await subject.count()).toBe(1);
    expect(await subject.textContent()).toContain(digestA.slice(7));
    await screenshot(page, 'diff');
    // the form offers the known runs as sources
    const offered = await page.$$eval('#diff-sources option', (els) =>
      els.map((e) => e.getAttribute('value')),
    );
    expect(offered).toEqual(expect.arrayContaining(['run:default/build-a', 'run:default/build-b']));
    expect(problems).toEqual([]);
  });

  it('searching an image reference finds its log entries and links to its image page', async () => {
    await page.goto(`${con.url}/search?q=${encodeURIComponent(`${image}@${digestA}`)}`);
    await page.waitForSelector('[data-search-total]');
    // the attestation's entry: the log indexes a statement's subject digests (the signature's entry is about the
    // simplesigning payload, as in Rekor)
    expect(await page.getAttribute('[data-search-total]', 'data-search-total')).toBe('1');
    expect(await page.textContent('table.entries tbody')).toContain('dsse');
    expect(await page.locator(`a[href="/images/${encodeURIComponent(`${image}@${digestA}`)}"]`).count()).toBe(
      1,
    );
    await screenshot(page, 'search-image');
  });

  it('shows an image’s signature and attestation with the server-side verdicts', async () => {
    await page.goto(`${con.url}/runs/default/build-a`);
    await page.locator('.subjects a').first().click(); // from the provenance picture
    await page.waitForURL(/\/images\//);
    await page.waitForSelector('[data-verdict]');
    const items = await page.$$eval('[data-verdict]', (els) =>
      els.map(
        (e) =>
          `${e.getAttribute('data-kind')}/${e.getAttribute('data-source')}=${e.getAttribute('data-verdict')}`,
      ),
    );
    expect(items.sort()).toEqual(['attestation/legacy=verified', 'signature/legacy=verified']);
    expect(await page.textContent('[data-server-side]')).toContain('computed on the server');
    await page.click('summary');
    await page.locator('[data-statement="picture"]').waitFor();
    await screenshot(page, 'image');
    // the same image checked against another key: every item fails, named
    const other = join(work, 'other.pub');
    writeFileSync(
      other,
      generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }),
    );
    const wrong = imagesFromFlags({ addr: '', rekorUrl: log.server.url, key: other }, undefined);
    const report = await wrong.verify(`${image}@${digestA}`);
    expect(report.items.map((i) => i.verdict)).toEqual(['failed', 'failed']);
    expect(problems).toEqual([]);
  });

  it('an image address typed by hand (reference not encoded) opens the same page; a malformed one says so', async () => {
    await page.goto(`${con.url}/images/${image}@${digestA}`);
    await page.waitForSelector('[data-verdict]');
    expect(
      await page.$$eval('[data-verdict]', (els) => els.map((e) => e.getAttribute('data-verdict'))),
    ).toEqual(['verified', 'verified']);
    expect(await page.textContent('main code.hash')).toBe(`${image}@${digestA}`);
    for (const bad of ['/images/%E0%A4%A', '/runs/default/%ZZ']) {
      await page.goto(`${con.url}${bad}`);
      await page.locator('[role="alert"]').waitFor();
      expect(await page.textContent('[role="alert"]'), bad).toContain('No such page');
    }
    for (const api of ['/api/images/%E0%A4%A', '/api/runs/default/%ZZ']) {
      const r = await fetch(`${con.url}${api}`);
      expect(r.status, api).toBe(400);
      expect(((await r.json()) as { code: string }).code).toBe('CONSOLE_INPUT');
    }
    expect(problems).toEqual([]);
  });

  it('lists sigstore-bundle referrers beside the legacy layers, each with its verdict', async () => {
    const ref = `${image}@${digestB}`;
    const key = join(work, 'x509.pem');
    const predicate = join(work, 'predicate.json');
    writeFileSync(predicate, JSON.stringify({ note: 'a custom predicate' }));
    const rekor = ['--rekor-url', log.server.url];
    const signed = await runChainsCli(['sign', '--key', key, '--new-bundle-format', ...rekor, ref]);
    expect(signed.code, signed.stderr).toBe(0);
    const attested = await runChainsCli([
      'attest',
      '--key',
      key,
      '--new-bundle-format',
      '--predicate',
      predicate,
      ...rekor,
      ref,
    ]);
    expect(attested.code, attested.stderr).toBe(0);
    await page.goto(`${con.url}/images/${encodeURIComponent(ref)}`);
    await page.waitForSelector('[data-verdict]');
    const items = await page.$$eval('[data-verdict]', (els) =>
      els.map(
        (e) =>
          `${e.getAttribute('data-kind')}/${e.getAttribute('data-source')}=${e.getAttribute('data-verdict')}`,
      ),
    );
    expect(items.sort()).toEqual([
      'attestation/legacy=verified',
      'attestation/referrer=verified',
      'signature/legacy=verified',
      'signature/referrer=verified',
    ]);
    await screenshot(page, 'image-referrers');
  });
});
