import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.ts';
import { rootFromLeafHashes } from '../../core/merkle.ts';
import { SqliteLogStore } from '../store/sqlite.ts';
import type { Batch } from '../store/store.ts';
import { TransparencyLog, loadOrCreateLogKey, prepareProposed } from './index.ts';
import { STORE_TUNING } from './tuning.ts';
import { TestSigner, sha, tempDir } from '../../../test/tlog/helpers.ts';

const signer = new TestSigner();
const proposals = (tag: string, n: number) =>
  Array.from({ length: n }, (_, i) => prepareProposed(signer.dsse(sha(`${tag}${i}`)).proposed));

/** A SQLite store whose syncs wait until the test releases them (or fail on demand). */
class GatedStore extends SqliteLogStore {
  readonly written: number[] = [];
  readonly gates: { release: () => void; fail: (e: Error) => void }[] = [];
  override async write(batch: Batch): Promise<void> {
    await super.write(batch);
    this.written.push(batch.checkpoint.size);
  }
  override async sync(entries: number): Promise<void> {
    await new Promise<void>((release, fail) => this.gates.push({ release, fail }));
    return super.sync(entries);
  }
}

async function open(tag: string): Promise<{ log: TransparencyLog; store: GatedStore }> {
  const db = join(tempDir(`tlog-gc-${tag}-`), 'log.db');
  const store = new GatedStore(db, STORE_TUNING);
  const log = await TransparencyLog.open({
    store,
    key: loadOrCreateLogKey(`${db}.key`),
    hostname: 'test',
    clock: systemClock,
    maxBatch: 4,
  });
  return { log, store };
}

const until = async (ok: () => boolean) => {
  for (let i = 0; i < 400 && !ok(); i++) await new Promise((r) => setTimeout(r, 5));
};

describe('group commit: the next batch is written while the previous one syncs', () => {
  it('answers and publishes the head only after each batch is synced, in order', async () => {
    const { log, store } = await open('order');
    const answered: number[] = [];
    const adds = proposals('a', 8).map((p) => log.add(p).then((r) => answered.push(r.entry.index)));
    await until(() => store.written.length === 2);
    // two batches written, none synced: nothing answered, the published head is still empty
    expect(store.written).toEqual([4, 8]);
    expect(answered).toEqual([]);
    expect(log.checkpoint.size).toBe(0);
    store.gates[0]?.release();
    await until(() => answered.length === 4);
    expect(answered.sort((x, y) => x - y)).toEqual([0, 1, 2, 3]);
    expect(log.checkpoint.size).toBe(4);
    store.gates[1]?.release();
    await Promise.all(adds);
    expect(log.checkpoint.size).toBe(8);
    const entries = await Promise.all([0, 1, 2, 3, 4, 5, 6, 7].map((i) => log.store.entryByIndex(i)));
    expect(log.checkpoint.rootHash).toEqual(rootFromLeafHashes(entries.map((e) => e?.uuid as Buffer)));
  });

  it('a later sync finishing first still waits for the earlier batch', async () => {
    const { log, store } = await open('reorder');
    const answered: number[] = [];
    const adds = proposals('b', 8).map((p) => log.add(p).then((r) => answered.push(r.entry.index)));
    await until(() => store.gates.length === 2);
    store.gates[1]?.release();
    await new Promise((r) => setTimeout(r, 50));
    expect(answered).toEqual([]);
    expect(log.checkpoint.size).toBe(0);
    store.gates[0]?.release();
    await Promise.all(adds);
    expect(log.checkpoint.size).toBe(8);
  });

  it('a failed sync fails its batch and every later one; the head never covers them', async () => {
    const { log, store } = await open('fail');
    const results = proposals('c', 8).map((p) => log.add(p));
    await until(() => store.gates.length === 2);
    store.gates[0]?.fail(new Error('EIO: i/o error'));
    store.gates[1]?.release();
    const settled = await Promise.allSettled(results);
    expect(settled.every((s) => s.status === 'rejected')).toBe(true);
    expect(log.checkpoint.size).toBe(0);
    await expect(log.add(proposals('d', 1)[0] as never)).rejects.toThrow(/failed to sync; restart the log/);
  });
});
