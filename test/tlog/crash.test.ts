import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyCheckpoint } from '../../src/core/checkpoint.ts';
import { RekorClient, verifyLogEntry, verifyTreeConsistency } from '../../src/tlog/client/index.ts';
import type { TlogEntry } from '../../src/tlog/client/index.ts';
import { createPublicKey } from 'node:crypto';
import { TestSigner, sha, tempDir } from './helpers.ts';

const BIN = resolve(import.meta.dirname, '../../bin/chains');

/** Start `chains tlog serve` as a child process and wait for its URL. */
async function spawnServer(db: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(BIN, ['tlog', 'serve', '--addr', '127.0.0.1:0', '--db', db], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const url = await new Promise<string>((res, rej) => {
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (\S+)/.exec(out);
      if (m?.[1]) res(m[1]);
    });
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => rej(new Error(`server exited ${code}: ${out}`)));
  });
  return { child, url };
}

async function kill9(child: ChildProcess): Promise<void> {
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await gone;
}

describe('crash safety: kill -9 during concurrent uploads', () => {
  it('keeps every acknowledged entry and stays consistent with the last checkpoint handed out', async () => {
    const db = join(tempDir('tlog-crash-'), 'log.db');
    const signer = new TestSigner();
    const acked: TlogEntry[] = [];
    let logKey = '';
    let lastHead = { size: 0, rootHash: Buffer.alloc(32) };
    for (let round = 0; round < 3; round++) {
      const { child, url } = await spawnServer(db);
      const client = new RekorClient(url);
      logKey ||= await client.publicKey();
      expect(await client.publicKey()).toBe(logKey); // identity kept across restarts
      const verified = new RekorClient(url, { logPublicKey: logKey });
      // after a restart: old entries are there with valid proofs, and the old head is consistent with the new one
      for (const e of acked) {
        const got = await verified.getEntry(e.uuid);
        expect(got.logIndex).toBe(e.logIndex);
        expect(got.body).toBe(e.body);
      }
      const info = await client.logInfo();
      verifyCheckpoint(info.signedTreeHead, createPublicKey(logKey));
      expect(info.treeSize).toBeGreaterThanOrEqual(lastHead.size);
      if (lastHead.size > 0) {
        const p = await client.consistencyProof(lastHead.size, info.treeSize);
        verifyTreeConsistency(
          lastHead,
          { size: info.treeSize, rootHash: Buffer.from(info.rootHash, 'hex') },
          p.hashes,
        );
      }
      // concurrent writers; kill -9 once enough acknowledgements came back, while requests are in flight
      let stop = false;
      let n = 0;
      const before = acked.length;
      const worker = async (w: number): Promise<void> => {
        while (!stop) {
          try {
            const e = await verified.createEntry(signer.dsse(sha(`r${round}-w${w}-${n++}`)).proposed);
            acked.push(e);
            const p = e.verification!.inclusionProof!;
            if (p.treeSize > lastHead.size)
              lastHead = { size: p.treeSize, rootHash: Buffer.from(p.rootHash, 'hex') };
          } catch {
            return; // connection dropped by the kill: not acknowledged
          }
        }
      };
      const workers = Array.from({ length: 16 }, (_, w) => worker(w));
      while (acked.length - before < 60 + round * 30) await new Promise((r) => setTimeout(r, 2));
      await kill9(child);
      stop = true;
      await Promise.all(workers);
    }
    // final restart: everything acknowledged is there and verifies; new writes still work and extend the tree
    const { child, url } = await spawnServer(db);
    try {
      const c = new RekorClient(url, { logPublicKey: logKey });
      for (let i = 0; i < acked.length; i += 10) {
        const got = await c.retrieve({ entryUUIDs: acked.slice(i, i + 10).map((e) => e.uuid) });
        expect(got.length).toBe(Math.min(10, acked.length - i));
        for (const g of got) verifyLogEntry(g, logKey);
      }
      const fresh = await c.createEntry(signer.dsse(sha('after')).proposed);
      const p = await c.consistencyProof(lastHead.size, fresh.verification!.inclusionProof!.treeSize);
      verifyTreeConsistency(
        lastHead,
        { size: fresh.verification!.inclusionProof!.treeSize, rootHash: Buffer.from(p.rootHash, 'hex') },
        p.hashes,
      );
      expect(new Set(acked.map((e) => e.logIndex)).size).toBe(acked.length);
    } finally {
      await kill9(child);
    }
  }, 300_000);
});
