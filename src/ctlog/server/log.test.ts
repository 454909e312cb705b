import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.ts';
import { issueLeaf, makeCa } from '../../../test/ctlog/pki.ts';
import type { TestCa } from '../../../test/ctlog/pki.ts';
import { loadOrCreateCtKey } from './key.ts';
import { CtLog } from './log.ts';
import { CtStore } from './store.ts';

let dir: string;
let ca: TestCa;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ctlog-unit-'));
  ca = await makeCa('unit');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('CtLog durability', () => {
  it('an entry whose sync failed gets no SCT and stays out of tree heads until a sync succeeds', async () => {
    const store = new CtStore(join(dir, 'a.db'));
    const log = new CtLog(
      store,
      loadOrCreateCtKey(join(dir, 'a.key')),
      [new X509Certificate(ca.root)],
      systemClock,
    );
    const real = store.sync.bind(store);
    let failNext = true;
    store.sync = async () => {
      if (failNext) throw Object.assign(new Error('EIO: disk went away'), { code: 'EIO' });
      return real();
    };
    const pre = await issueLeaf(ca, { poison: 'valid' });
    await expect(log.add('add-pre-chain', [pre.der, ca.intermediate])).rejects.toMatchObject({
      code: 'CT_STORE',
    });
    expect(log.treeSize).toBe(0);
    expect(log.signedTreeHead().treeSize).toBe(0);
    expect(() => log.entries(0, 0, 10)).toThrow(expect.objectContaining({ code: 'CT_REQUEST_INVALID' }));
    // resubmitting syncs first, then answers the SCT, and the tree head covers the entry
    failNext = false;
    const sct = await log.add('add-pre-chain', [pre.der, ca.intermediate]);
    expect(log.treeSize).toBe(1);
    expect(log.entries(0, 0, 10)[0]?.sct).toBeDefined();
    const other = await issueLeaf(ca, { poison: 'valid' });
    const sct2 = await log.add('add-pre-chain', [other.der, ca.intermediate]);
    expect(sct2.timestamp).toBeGreaterThanOrEqual(sct.timestamp);
    expect(log.treeSize).toBe(2);
    store.close();
  });

  it('concurrent submissions share one commit and one sync; duplicates in flight get the same SCT', async () => {
    const store = new CtStore(join(dir, 'b.db'));
    const log = new CtLog(
      store,
      loadOrCreateCtKey(join(dir, 'b.key')),
      [new X509Certificate(ca.root)],
      systemClock,
    );
    const real = store.sync.bind(store);
    let syncs = 0;
    store.sync = async () => (syncs++, real());
    const leaves = await Promise.all(Array.from({ length: 8 }, () => issueLeaf(ca, { poison: 'valid' })));
    const scts = await Promise.all(
      [...leaves, leaves[0]].map((l) =>
        log.add('add-pre-chain', [(l as { der: Buffer }).der, ca.intermediate]),
      ),
    );
    expect(syncs).toBe(1);
    expect(scts[8]).toEqual(scts[0]);
    expect(log.treeSize).toBe(8);
    store.close();
  });
});
