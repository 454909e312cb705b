import { createHash, sign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { signCheckpoint } from '../src/core/checkpoint.ts';
import { hashChildren, hashLeaf } from '../src/core/merkle.ts';
import { appendToFrontier } from '../src/core/merkle-ranges.ts';
import { startConsole } from '../src/console/index.ts';
import { logIdOf, setMessage } from '../src/tlog/client/index.ts';
import { loadOrCreateLogKey, startLogServer } from '../src/tlog/server/index.ts';
import type { LogKey } from '../src/tlog/server/index.ts';
import { packKeys } from '../src/tlog/store/index-tail.ts';
import { SqliteLogStore } from '../src/tlog/store/sqlite.ts';
import { STORE_TUNING } from '../src/tlog/server/tuning.ts';
import type { StoredNode } from '../src/tlog/store/store.ts';
import { launchChromium } from '../test/console/browser.ts';

/**
 * The console in Chromium on a big log: time to a usable entry page (navigation → verdict shown, the entry
 * fetched, decoded and verified with WebCrypto) and the search answer time (submit → results shown), both read
 * from performance marks in the page, next to a static page load in the same browser (the yardstick).
 * CONSOLE_BENCH_TREE (default 1,000,000) entries, CONSOLE_BENCH_SAMPLES (default 30) page loads of each kind.
 */
const TREE = Number(process.env.CONSOLE_BENCH_TREE ?? 1_000_000);
const SAMPLES = Number(process.env.CONSOLE_BENCH_SAMPLES ?? 30);

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};
const digestOf = (i: number): string => createHash('sha256').update(`artifact ${i}`).digest('hex');

function body(i: number, pubB64: string): Buffer {
  const spec = {
    data: { hash: { algorithm: 'sha256', value: digestOf(i) } },
    signature: { content: 'MEUCIQ==', publicKey: { content: pubB64 } },
  };
  return Buffer.from(JSON.stringify({ apiVersion: '0.0.1', kind: 'hashedrekord', spec }));
}

/** Fill the store directly: hashedrekord bodies indexed by their digest; the sampled entries get real SETs. */
async function buildTree(db: string, key: LogKey, sampled: Set<number>): Promise<void> {
  const store = new SqliteLogStore(db, STORE_TUNING);
  await store.setTreeId('1');
  const logID = logIdOf(key.publicKey);
  const pubB64 = Buffer.from(key.publicKey.export({ type: 'spki', format: 'pem' }).toString()).toString(
    'base64',
  );
  const edge: (Buffer | undefined)[] = [];
  const now = Math.floor(Date.now() / 1000);
  const BATCH = 50_000;
  for (let start = 0; start < TREE; start += BATCH) {
    const entries = [];
    const nodes: StoredNode[] = [];
    for (let index = start; index < Math.min(TREE, start + BATCH); index++) {
      const b = body(index, pubB64);
      const uuid = hashLeaf(b);
      nodes.push(...appendToFrontier(edge, index, uuid));
      const set = sampled.has(index)
        ? sign(
            'sha256',
            setMessage({ body: b.toString('base64'), integratedTime: now, logID, logIndex: index }),
            key.privateKey,
          )
        : Buffer.alloc(70, 1);
      const keys = packKeys([`sha256:${digestOf(index)}`]);
      entries.push({ entry: { index, uuid, body: b, integratedTime: now, set, attestation: null }, keys });
    }
    let root: Buffer | undefined;
    for (const e of edge) if (e) root = root ? hashChildren(e, root) : e;
    const size = Math.min(TREE, start + BATCH);
    const note = signCheckpoint(
      { origin: '127.0.0.1 - 1', size, rootHash: root as Buffer, extensions: [] },
      '127.0.0.1',
      key.privateKey,
      key.publicKey,
    );
    await store.commit({ entries, nodes, checkpoint: { size, rootHash: root as Buffer, note } });
  }
  await store.close();
}

/** The yardstick: a static HTML page with one stylesheet, from a plain node:http server. */
async function staticServer(): Promise<{ url: string; close(): void }> {
  const html =
    '<!doctype html><html><head><link rel="stylesheet" href="/s.css"></head><body><h1>static</h1></body></html>';
  const server = createServer((req, res) => {
    const css = req.url === '/s.css';
    res.writeHead(200, { 'content-type': css ? 'text/css' : 'text/html', 'cache-control': 'no-store' });
    res.end(css ? 'h1{color:#333}' : html);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, close: () => server.close() };
}

/**
 * The mark's time, once the page has set it: the marks are set in an effect, after the DOM the bench waits for.
 * Polled from here: waitForFunction evaluates a string in the page, which the console's CSP (no eval) refuses.
 */
async function markTime(page: Page, name: string): Promise<number> {
  const read = `performance.getEntriesByName(${JSON.stringify(name)}).at(-1)?.startTime ?? NaN`;
  for (let tries = 0; tries < 500; tries++) {
    const t = await page.evaluate<number>(read);
    if (!Number.isNaN(t)) return t;
    await new Promise((r) => setTimeout(r, 2));
  }
  throw new Error(`the page never set the performance mark ${name}`);
}

export default async function bench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'console-bench-'));
  const db = join(dir, 'tlog.db');
  const key = loadOrCreateLogKey(`${db}.key`);
  const sampled = new Set<number>();
  while (sampled.size < Math.min(SAMPLES, TREE)) sampled.add(Math.floor(Math.random() * TREE));
  const t0 = performance.now();
  await buildTree(db, key, sampled);
  console.log(
    `built a ${TREE.toLocaleString('en')}-entry log in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  const log = await startLogServer({ dbPath: db, addr: '127.0.0.1:0', verifyWorkers: 0 });
  const con = await startConsole({
    addr: '127.0.0.1:0',
    rekorUrl: log.url,
    trust: {
      source: 'rekor-public-key',
      keys: [key.publicKey.export({ type: 'spki', format: 'der' }).toString('base64')],
    },
  });
  const yard = await staticServer();
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${con.url}/log`); // warm the browser process and the server's asset cache once
    const staticMs: number[] = [];
    const entryMs: number[] = [];
    const searchMs: number[] = [];
    let verified = 0;
    for (const index of sampled) {
      await page.goto(yard.url, { waitUntil: 'load' });
      staticMs.push(
        await page.evaluate<number>("performance.getEntriesByType('navigation')[0].loadEventStart"),
      );
      const uuid = hashLeaf(
        body(
          index,
          Buffer.from(key.publicKey.export({ type: 'spki', format: 'pem' }).toString()).toString('base64'),
        ),
      ).toString('hex');
      await page.goto(`${con.url}/log/entries/${uuid}`);
      await page.waitForSelector('[data-verified]');
      entryMs.push(await markTime(page, 'entry-usable'));
      if ((await page.getAttribute('[data-verified]', 'data-verified')) === 'true') verified++;
      await page.fill('#q', `sha256:${digestOf(index)}`);
      await page.evaluate("performance.mark('search-start')");
      await page.keyboard.press('Enter');
      await page.waitForSelector('[data-search-total="1"]');
      searchMs.push((await markTime(page, 'search-answered')) - (await markTime(page, 'search-start')));
    }
    const line = (what: string, xs: number[]): string =>
      `${what}: p50 ${pct(xs, 50).toFixed(1)} ms, p90 ${pct(xs, 90).toFixed(1)} ms (${(pct(xs, 50) / pct(staticMs, 50)).toFixed(2)}× the static page)`;
    console.log(
      `at ${TREE.toLocaleString('en')} entries, ${sampled.size} samples each, measured in Chromium (performance marks):`,
    );
    console.log(
      `  yardstick, static page load: p50 ${pct(staticMs, 50).toFixed(1)} ms, p90 ${pct(staticMs, 90).toFixed(1)} ms`,
    );
    console.log(
      `  ${line('entry page usable (fetched, decoded, verified)', entryMs)}; ${verified}/${sampled.size} verified ✓`,
    );
    console.log(`  ${line('search answer (submit → results)', searchMs)}`);
    console.log(
      `  goal p50 ≤ 300 ms: entry ${pct(entryMs, 50) <= 300 ? 'met' : 'NOT met'}, search ${pct(searchMs, 50) <= 300 ? 'met' : 'NOT met'}`,
    );
  } finally {
    await browser.close();
    yard.close();
    await con.close();
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
