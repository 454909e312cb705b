import { createPublicKey } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { verifyCheckpoint } from '../src/core/checkpoint.ts';
import { RekorClient, verifyTreeConsistency } from '../src/tlog/client/index.ts';
import type { TlogEntry } from '../src/tlog/client/index.ts';
import { EntryFactory, say, sleep, startLogChild, tempDir } from './lib/common.ts';
import type { SuiteOptions, SuiteResult } from './lib/common.ts';
import { ctlogCrash } from './lib/ctlog-crash.ts';

/**
 * (a) Crash safety of the log: `chains tlog serve` is killed with SIGKILL at a random moment while 16 clients
 * upload; after every restart each acknowledged entry must come back with a valid SET, inclusion proof and
 * checkpoint, and every checkpoint handed out before the crash must be consistent with the new tree head.
 * The same for `chains ctlog serve` (lib/ctlog-crash.ts): every acknowledged SCT is in the tree after kill -9.
 */

interface Head {
  size: number;
  rootHash: Buffer;
}

interface Acked {
  uuid: string;
  logIndex: number;
  body: string;
}

interface State {
  key: string;
  acked: Acked[];
  /** checkpoints handed out (in 201 answers and /api/v1/log) since the last verified restart, by size */
  handedOut: Map<number, Head>;
  checkpointsChecked: number;
  lost: number;
  problems: string[];
}

const WORKERS = 16;

function problem(s: State, msg: string): void {
  s.problems.push(msg);
  if (s.problems.length <= 20) say(`  ! ${msg}`);
}

function remember(s: State, h: Head): void {
  const seen = s.handedOut.get(h.size);
  if (seen && !seen.rootHash.equals(h.rootHash))
    problem(s, `two different roots handed out for tree size ${h.size} (split view)`);
  s.handedOut.set(h.size, h);
}

/** After a restart: signed head, consistency from every handed-out checkpoint, every acked entry back. */
async function verifyAfterRestart(s: State, url: string): Promise<Head> {
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
async function checkAcked(s: State, url: string): Promise<void> {
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

/** Concurrent uploads until `killAt` ms, then SIGKILL; returns entries acknowledged in this cycle. */
async function loadAndKill(
  s: State,
  srv: Awaited<ReturnType<typeof startLogChild>>,
  factory: EntryFactory,
  killAt: number,
): Promise<number> {
  const client = new RekorClient(srv.url, { logPublicKey: s.key, timeoutMs: 20_000 });
  let killed = false;
  let count = 0;
  const worker = async (w: number): Promise<void> => {
    for (let i = 0; !killed; i++) {
      try {
        if (w === 0 && i % 20 === 0) {
          const info = await client.logInfo();
          verifyCheckpoint(info.signedTreeHead, createPublicKey(s.key));
          remember(s, { size: info.treeSize, rootHash: Buffer.from(info.rootHash, 'hex') });
          continue;
        }
        const e = await client.createEntry(factory.next()); // verified against the log key before we count it
        const p = e.verification?.inclusionProof;
        if (!p) throw new Error('201 without an inclusion proof');
        s.acked.push({ uuid: e.uuid, logIndex: e.logIndex, body: e.body });
        remember(s, { size: p.treeSize, rootHash: Buffer.from(p.rootHash, 'hex') });
        count++;
      } catch (e) {
        if (!killed) problem(s, `upload failed before the kill: ${(e as Error).message}`);
        return;
      }
    }
  };
  const workers = Array.from({ length: WORKERS }, (_, w) => worker(w));
  await sleep(killAt);
  killed = true;
  await srv.kill9();
  await Promise.all(workers);
  return count;
}

function integrityCheck(db: string): string {
  const d = new Database(db, { readonly: true });
  try {
    return String(d.pragma('integrity_check', { simple: true }));
  } finally {
    d.close();
  }
}

export default async function crash(o: SuiteOptions): Promise<SuiteResult> {
  const cycles = o.quick ? 3 : 24;
  const db = join(tempDir('crash'), 'log.db');
  const factory = new EntryFactory();
  const s: State = { key: '', acked: [], handedOut: new Map(), checkpointsChecked: 0, lost: 0, problems: [] };
  let rng = o.seed;
  const random = (): number => (rng = (rng * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let c = 0; c <= cycles; c++) {
    const srv = await startLogChild(db);
    try {
      const key = await new RekorClient(srv.url).publicKey();
      if (s.key && key !== s.key) problem(s, 'log key changed across a restart');
      s.key ||= key;
      const head = await verifyAfterRestart(s, srv.url);
      if (c === cycles) {
        say(`  final restart: tree size ${head.size}, ${s.acked.length} acknowledged entries verified`);
        break;
      }
      const killAt = Math.round(30 + random() * 1500);
      const n = await loadAndKill(s, srv, factory, killAt);
      say(
        `  cycle ${c + 1}/${cycles}: kill -9 after ${killAt} ms, ${n} entries acknowledged (tree was ${head.size})`,
      );
    } finally {
      await srv.stop();
    }
  }
  const integrity = integrityCheck(db);
  if (integrity !== 'ok') problem(s, `sqlite integrity_check: ${integrity}`);
  const ct = await ctlogCrash({
    dir: tempDir('crash-ct'),
    cycles: o.quick ? 3 : 12,
    workers: 16,
    seed: o.seed,
    log: say,
  });
  if (ct.integrity !== 'ok') ct.problems.push(`ctlog sqlite integrity_check: ${ct.integrity}`);
  const figures = {
    'kill -9 cycles': cycles,
    'entries acknowledged': s.acked.length,
    'entries lost': s.lost,
    'checkpoints checked for consistency': s.checkpointsChecked,
    'sqlite integrity_check': integrity,
    problems: s.problems.length,
    'ctlog kill -9 cycles': ct.cycles,
    'ctlog SCTs acknowledged': ct.acked,
    'ctlog entries lost': ct.lost,
    'ctlog tree heads checked for consistency': ct.headsChecked,
    'ctlog sqlite integrity_check': ct.integrity,
    'ctlog problems': ct.problems.length,
  };
  const tlogOk = s.problems.length === 0 && s.lost === 0 && s.acked.length > 0;
  const ctOk = ct.problems.length === 0 && ct.lost === 0 && ct.acked > 0;
  return { ok: tlogOk && ctOk, figures };
}
