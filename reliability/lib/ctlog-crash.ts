import { createPublicKey, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { hashLeaf, verifyConsistency, verifyInclusion } from '../../src/core/merkle.ts';
import {
  ctLogKey,
  decodeDigitallySigned,
  precertEntry,
  submitToCtLog,
  timestampedEntry,
  verifySct,
} from '../../src/ctlog/sct/index.ts';
import type { CtLogKey, Sct } from '../../src/ctlog/sct/index.ts';
import { issueLeaf, makeCa } from '../../test/ctlog/pki.ts';
import type { TestCa } from '../../test/ctlog/pki.ts';
import { loadUntilKill, seededRandom, spawnChains } from './common.ts';
import type { ChainsChild } from './common.ts';

/**
 * Crash safety of `chains ctlog serve`: SIGKILL at a random moment while clients submit precertificates; after
 * every restart each acknowledged SCT's entry must be in the signed tree (inclusion proof by leaf hash), every
 * tree head handed out before must be consistent with the new one, and resubmitting answers the same SCT.
 */

interface Head {
  size: number;
  root: Buffer;
}

interface Acked {
  leafHash: Buffer;
  precert: Buffer;
  sct: Sct;
}

export interface CtCrashResult {
  cycles: number;
  acked: number;
  lost: number;
  headsChecked: number;
  integrity: string;
  problems: string[];
}

interface State {
  ca: TestCa;
  key?: CtLogKey;
  acked: Acked[];
  heads: Map<number, Head>;
  headsChecked: number;
  lost: number;
  problems: string[];
  log: (line: string) => void;
}

function problem(s: State, msg: string): void {
  s.problems.push(msg);
  if (s.problems.length <= 20) s.log(`  ! ${msg}`);
}

async function getJson<T>(url: string): Promise<T> {
  const r = await fetch(url, { signal: AbortSignal.timeout(20_000) });
  if (r.status !== 200) throw new Error(`${url}: ${r.status} ${await r.text()}`);
  return (await r.json()) as T;
}

/** get-sth with its RFC 6962 §3.5 signature checked. */
async function signedHead(url: string, key: KeyObject): Promise<Head> {
  const s = await getJson<{
    tree_size: number;
    timestamp: number;
    sha256_root_hash: string;
    tree_head_signature: string;
  }>(`${url}/ct/v1/get-sth`);
  const root = Buffer.from(s.sha256_root_hash, 'base64');
  const tbs = Buffer.concat([Buffer.from([0, 1]), Buffer.alloc(16), root]);
  tbs.writeBigUInt64BE(BigInt(s.timestamp), 2);
  tbs.writeBigUInt64BE(BigInt(s.tree_size), 10);
  if (
    !verify('sha256', tbs, key, decodeDigitallySigned(Buffer.from(s.tree_head_signature, 'base64')).signature)
  )
    throw new Error('tree head signature does not verify');
  return { size: s.tree_size, root };
}

async function checkAcked(s: State, url: string, head: Head): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < s.acked.length) {
      const a = s.acked[next++] as Acked;
      try {
        const q = `hash=${encodeURIComponent(a.leafHash.toString('base64'))}&tree_size=${head.size}`;
        const p = await getJson<{ leaf_index: number; audit_path: string[] }>(
          `${url}/ct/v1/get-proof-by-hash?${q}`,
        );
        verifyInclusion(
          p.leaf_index,
          head.size,
          a.leafHash,
          p.audit_path.map((h) => Buffer.from(h, 'base64')),
          head.root,
        );
      } catch (e) {
        s.lost++;
        problem(s, `acknowledged SCT at ${a.sct.timestamp} is not in the tree: ${(e as Error).message}`);
      }
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  const sample = s.acked[Math.floor(s.acked.length / 2)];
  if (sample) {
    const again = await submitToCtLog(url, 'add-pre-chain', [sample.precert, s.ca.intermediate]);
    if (again.timestamp !== sample.sct.timestamp) problem(s, 'a resubmitted precertificate got a new SCT');
  }
}

async function afterRestart(s: State, url: string): Promise<Head> {
  const pem = await (await fetch(`${url}/ct/v1/public-key`)).text();
  const key = ctLogKey(createPublicKey(pem));
  if (s.key && !s.key.logId.equals(key.logId)) problem(s, 'the CT log key changed across a restart');
  s.key ??= key;
  const head = await signedHead(url, s.key.publicKey);
  for (const old of [...s.heads.values()].filter((h) => h.size > 0)) {
    try {
      if (old.size > head.size) throw new Error(`tree shrank from ${old.size} to ${head.size}`);
      const p = await getJson<{ consistency: string[] }>(
        `${url}/ct/v1/get-sth-consistency?first=${old.size}&second=${head.size}`,
      );
      verifyConsistency(
        old.size,
        head.size,
        p.consistency.map((h) => Buffer.from(h, 'base64')),
        old.root,
        head.root,
      );
      s.headsChecked++;
    } catch (e) {
      problem(s, `head ${old.size} is not consistent with ${head.size}: ${(e as Error).message}`);
    }
  }
  await checkAcked(s, url, head);
  s.heads = new Map([[head.size, head]]);
  return head;
}

async function loadAndKill(
  s: State,
  srv: ChainsChild & { url: string },
  workers: number,
  killAt: number,
): Promise<number> {
  const key = s.key as CtLogKey;
  const leafKeys = (await issueLeaf(s.ca)).keys;
  return loadUntilKill({
    workers,
    killAt,
    kill: () => srv.kill9(),
    checkHead: async () => {
      const h = await signedHead(srv.url, key.publicKey);
      s.heads.set(h.size, h);
    },
    submit: async () => {
      const pre = await issueLeaf(s.ca, { poison: 'valid', keys: leafKeys });
      const sct = await submitToCtLog(srv.url, 'add-pre-chain', [pre.der, s.ca.intermediate], {
        timeoutMs: 20_000,
      });
      const entry = precertEntry(pre.der, s.ca.intermediate);
      verifySct(sct, entry, [key]);
      s.acked.push({ leafHash: hashLeaf(timestampedEntry(sct.timestamp, entry)), precert: pre.der, sct });
    },
    failed: (e) => problem(s, `submission failed before the kill: ${e.message}`),
  });
}

export interface CtCrashOptions {
  dir: string;
  cycles: number;
  workers: number;
  seed: number;
  log: (line: string) => void;
}

/** Run `cycles` kill -9 cycles against `chains ctlog serve` in `dir` and a final verifying restart. */
export async function ctlogCrash(o: CtCrashOptions): Promise<CtCrashResult> {
  const ca = await makeCa('crash');
  const roots = join(o.dir, 'roots.pem');
  writeFileSync(roots, ca.rootPem);
  const s: State = { ca, acked: [], heads: new Map(), headsChecked: 0, lost: 0, problems: [], log: o.log };
  const random = seededRandom(o.seed);
  const args = ['ctlog', 'serve', '--addr', '127.0.0.1:0', '--dir', join(o.dir, 'ct'), '--roots', roots];
  for (let c = 0; c <= o.cycles; c++) {
    const child = spawnChains(args, /listening on (\S+)/);
    const srv = { ...child, url: await child.ready };
    try {
      const head = await afterRestart(s, srv.url);
      if (c === o.cycles) break;
      const killAt = Math.round(100 + random() * 1500);
      const n = await loadAndKill(s, srv, o.workers, killAt);
      o.log(
        `  ctlog cycle ${c + 1}/${o.cycles}: kill -9 after ${killAt} ms, ${n} SCTs (tree was ${head.size})`,
      );
    } finally {
      await srv.stop();
    }
  }
  const db = new Database(join(o.dir, 'ct', 'ctlog.db'), { readonly: true });
  const integrity = String(db.pragma('integrity_check', { simple: true }));
  db.close();
  return {
    cycles: o.cycles,
    acked: s.acked.length,
    lost: s.lost,
    headsChecked: s.headsChecked,
    integrity,
    problems: s.problems,
  };
}
