import { createPublicKey } from 'node:crypto';
import { verifyCheckpoint } from '../../src/core/checkpoint.ts';
import { RekorClient, verifyTreeConsistency } from '../../src/tlog/client/index.ts';
import type { TlogEntry } from '../../src/tlog/client/index.ts';
import { loadUntilKill, say, type EntryFactory } from './common.ts';

const WORKERS = 16;

/**
 * What a log must still show after it was killed (kill -9) or lost power: its signed head, consistency with every
 * checkpoint it handed out, and every entry it acknowledged. Shared by the crash and power-loss suites.
 */

export interface Head {
  size: number;
  rootHash: Buffer;
}

export interface Acked {
  uuid: string;
  logIndex: number;
  body: string;
}

export interface State {
  key: string;
  acked: Acked[];
  /** checkpoints handed out (in 201 answers and /api/v1/log) since the last verified restart, by size */
  handedOut: Map<number, Head>;
  checkpointsChecked: number;
  lost: number;
  problems: string[];
}

export function problem(s: State, msg: string): void {
  s.problems.push(msg);
  if (s.problems.length <= 20) say(`  ! ${msg}`);
}

export function remember(s: State, h: Head): void {
  const seen = s.handedOut.get(h.size);
  if (seen && !seen.rootHash.equals(h.rootHash))
    problem(s, `two different roots handed out for tree size ${h.size} (split view)`);
  s.handedOut.set(h.size, h);
}

/** After a restart: signed head, consistency from every handed-out checkpoint, every acked entry back. */
export async function verifyAfterRestart(s: State, url: string): Promise<Head> {
  const plain = new RekorClient(url, { timeoutMs: 20_000 });
  const info = await plain.logInfo();
  const cp = verifyCheckpoint(info.signedTreeHead, createPublicKey(s.key));
  const head = { size: info.treeSize, rootHash: Buffer.from(info.rootHash, 'hex') };
  if (cp.size !== head.size || !cp.rootHash.equals(head.rootHash))
    problem(s, 'log info differs from its own signed checkpoint');
  for (const old of [...s.handedOut.values()].sort((a, b) => a.size - b.size)) {
    if (old.size === 0) continue;
    if (old.size > head.size) {
      problem(s, `tree shrank: checkpoint of size ${old.size} was handed out, the log now has ${head.size}`);
      continue;
    }
    try {
      const p = await plain.consistencyProof(old.size, head.size);
      verifyTreeConsistency(old, head, p.hashes);
      s.checkpointsChecked++;
    } catch (e) {
      problem(s, `checkpoint ${old.size} not consistent with ${head.size}: ${(e as Error).message}`);
    }
  }
  await checkAcked(s, url);
  const beyond = await plain.getEntryByIndex(head.size).then(
    () => true,
    () => false,
  );
  if (beyond) problem(s, `an entry is served at index ${head.size}, beyond the signed tree`);
  s.handedOut = new Map([[head.size, head]]);
  return head;
}

/** Every acknowledged entry: fetched by UUID, verified by the client (SET, proof, checkpoint), same index/body. */
export async function checkAcked(s: State, url: string): Promise<void> {
  const verified = new RekorClient(url, { logPublicKey: s.key, timeoutMs: 20_000 });
  const groups: Acked[][] = [];
  for (let i = 0; i < s.acked.length; i += 10) groups.push(s.acked.slice(i, i + 10));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < groups.length) {
      const g = groups[next++] as Acked[];
      let got: TlogEntry[] = [];
      try {
        got = await verified.retrieve({ entryUUIDs: g.map((a) => a.uuid) });
      } catch (e) {
        problem(s, `retrieve failed: ${(e as Error).message}`);
      }
      const byId = new Map(got.map((e) => [e.uuid.slice(-64), e]));
      for (const a of g) {
        const e = byId.get(a.uuid.slice(-64));
        if (!e || e.logIndex !== a.logIndex || e.body !== a.body) {
          s.lost++;
          problem(s, `acknowledged entry ${a.uuid} (index ${a.logIndex}) is ${e ? 'changed' : 'missing'}`);
        }
      }
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
}

/** Concurrent uploads until `killAt` ms, then `kill()`; returns entries acknowledged in this cycle. */
export async function loadAndKill(
  s: State,
  url: string,
  factory: EntryFactory,
  killAt: number,
  kill: () => Promise<void>,
): Promise<number> {
  const client = new RekorClient(url, { logPublicKey: s.key, timeoutMs: 20_000 });
  return loadUntilKill({
    workers: WORKERS,
    killAt,
    kill,
    checkHead: async () => {
      const info = await client.logInfo();
      verifyCheckpoint(info.signedTreeHead, createPublicKey(s.key));
      remember(s, { size: info.treeSize, rootHash: Buffer.from(info.rootHash, 'hex') });
    },
    submit: async () => {
      const e = await client.createEntry(factory.next()); // verified against the log key before we count it
      const p = e.verification?.inclusionProof;
      if (!p) throw new Error('201 without an inclusion proof');
      s.acked.push({ uuid: e.uuid, logIndex: e.logIndex, body: e.body });
      remember(s, { size: p.treeSize, rootHash: Buffer.from(p.rootHash, 'hex') });
    },
    failed: (e) => problem(s, `upload failed before the kill: ${e.message}`),
  });
}
