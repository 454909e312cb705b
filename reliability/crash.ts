import { join } from 'node:path';
import Database from 'better-sqlite3';
import { RekorClient } from '../src/tlog/client/index.ts';
import { EntryFactory, say, seededRandom, startLogChild, tempDir } from './lib/common.ts';
import { loadAndKill, problem, verifyAfterRestart, type State } from './lib/log-check.ts';
import type { SuiteOptions, SuiteResult } from './lib/common.ts';
import { ctlogCrash } from './lib/ctlog-crash.ts';

/**
 * (a) Crash safety of the log: `chains tlog serve` is killed with SIGKILL at a random moment while 16 clients
 * upload; after every restart each acknowledged entry must come back with a valid SET, inclusion proof and
 * checkpoint, and every checkpoint handed out before the crash must be consistent with the new tree head.
 * The same for `chains ctlog serve` (lib/ctlog-crash.ts): every acknowledged SCT is in the tree after kill -9.
 */

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
  const random = seededRandom(o.seed);
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
      const n = await loadAndKill(s, srv.url, factory, killAt, () => srv.kill9());
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
