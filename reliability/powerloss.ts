import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import Database from 'better-sqlite3';
import { RekorClient } from '../src/tlog/client/index.ts';
import {
  EntryFactory,
  say,
  seededRandom,
  sha256Hex,
  startLogChild,
  startRegistryChild,
  tempDir,
} from './lib/common.ts';
import type { ChainsChild, SuiteOptions, SuiteResult } from './lib/common.ts';
import { LoopbackClient } from './lib/http.ts';
import { loadAndKill, problem, verifyAfterRestart, type State } from './lib/log-check.ts';
import { LossyFs, lossyFsMissing } from './powerloss/fs.ts';

/**
 * (h) Power loss, not only kill -9: the log and the embedded registry's `--dir` store run on lossyfs, a FUSE file
 * system that keeps written data in memory until fsync. At each cut it drops what was not synced (a random part of
 * it survives, as a disk's write cache may have written some back) and both servers are killed; they restart on
 * what is left. Every acknowledged entry and push must survive, and the log's head must be consistent with every
 * checkpoint it handed out.
 */

interface Pushed {
  repo: string;
  tag: string;
  manifest: string;
  blob: string;
}

interface Servers {
  log: ChainsChild & { url: string };
  reg: ChainsChild & { host: string };
}

const PUSHERS = 4;

/** Push images (blob, config, manifest by tag) until stopped; an image counts once its manifest PUT is 201. */
async function pushLoad(host: string, pushed: Pushed[], stopped: () => boolean): Promise<void> {
  const http = new LoopbackClient(PUSHERS);
  const base = `http://${host}/v2`;
  const pusher = async (w: number): Promise<void> => {
    for (let i = 0; !stopped(); i++) {
      const repo = `power/app${w}`;
      // every fifth image has a layer big enough to be a blob file rather than a table row
      const blob = randomBytes(i % 5 === 4 ? 70_000 : 2048 + (i % 4) * 3000);
      const config = Buffer.from(
        JSON.stringify({ os: 'linux', w, i, r: blob.subarray(0, 4).toString('hex') }),
      );
      try {
        for (const b of [blob, config]) {
          const url = `${base}/${repo}/blobs/uploads/?digest=sha256:${sha256Hex(b)}`;
          const r = await http.request('POST', url, b, { 'content-type': 'application/octet-stream' });
          if (r.status !== 201) throw new Error(`blob push: ${r.status}`);
        }
        const manifest = imageManifest(config, blob);
        const tag = `t${i}-${sha256Hex(manifest).slice(0, 8)}`;
        const r = await http.request('PUT', `${base}/${repo}/manifests/${tag}`, manifest, {
          'content-type': 'application/vnd.oci.image.manifest.v1+json',
        });
        if (r.status !== 201) throw new Error(`manifest push: ${r.status}`);
        pushed.push({
          repo,
          tag,
          manifest: `sha256:${sha256Hex(manifest)}`,
          blob: `sha256:${sha256Hex(blob)}`,
        });
      } catch {
        if (stopped()) return;
      }
    }
  };
  await Promise.all(Array.from({ length: PUSHERS }, (_, w) => pusher(w)));
  http.close();
}

function imageManifest(config: Buffer, blob: Buffer): string {
  const d = (mediaType: string, b: Buffer) => ({
    mediaType,
    digest: `sha256:${sha256Hex(b)}`,
    size: b.length,
  });
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: d('application/vnd.oci.image.config.v1+json', config),
    layers: [d('application/vnd.oci.image.layer.v1.tar', blob)],
  });
}

/**
 * Every acknowledged push: the tag resolves to the same manifest and its layer comes back byte for byte. A lost
 * push is reported once and dropped from the list, so later restarts count only new losses.
 */
async function checkPushed(s: State, host: string, pushed: Pushed[]): Promise<number> {
  const http = new LoopbackClient(4);
  let lost = 0;
  for (const p of [...pushed]) {
    const base = `http://${host}/v2/${p.repo}`;
    const m = await http.request('GET', `${base}/manifests/${p.tag}`, undefined, {
      accept: 'application/vnd.oci.image.manifest.v1+json',
    });
    const b = m.status === 200 ? await http.request('GET', `${base}/blobs/${p.blob}`) : undefined;
    const ok =
      m.status === 200 &&
      `sha256:${sha256Hex(m.body)}` === p.manifest &&
      b?.status === 200 &&
      `sha256:${sha256Hex(b.body)}` === p.blob;
    if (!ok) {
      lost++;
      pushed.splice(pushed.indexOf(p), 1);
      problem(
        s,
        `acknowledged push ${p.repo}:${p.tag} is ${m.status === 200 ? 'damaged' : 'missing'} (blob: ${b?.status ?? '-'})`,
      );
    }
  }
  http.close();
  return lost;
}

async function start(fs: LossyFs): Promise<Servers> {
  const [log, reg] = await Promise.all([
    startLogChild(fs.path('log', 'log.db')),
    startRegistryChild(fs.path('registry')),
  ]);
  return { log, reg };
}

/** Load both servers for `ms`, then cut the power: freeze and roll back the disk, kill both, power on. */
async function loadAndCut(
  s: State,
  srv: Servers,
  fs: LossyFs,
  ms: number,
  seed: number,
  pushed: Pushed[],
): Promise<number> {
  let cut = false;
  const pushing = pushLoad(srv.reg.host, pushed, () => cut);
  const n = await loadAndKill(s, srv.log.url, new EntryFactory(), ms, async () => {
    cut = true;
    await fs.cut(seed);
    await Promise.all([srv.log.kill9(), srv.reg.kill9()]);
    await fs.thaw();
  });
  await pushing;
  return n;
}

export default async function powerloss(o: SuiteOptions): Promise<SuiteResult> {
  const missing = await lossyFsMissing();
  if (missing) return { ok: false, figures: { error: `cannot run: ${missing}` } };
  const cuts = o.quick ? 4 : 20;
  const fs = await LossyFs.mount(tempDir('powerloss'));
  const s: State = { key: '', acked: [], handedOut: new Map(), checkpointsChecked: 0, lost: 0, problems: [] };
  const pushed: Pushed[] = [];
  let pushesLost = 0;
  const random = seededRandom(o.seed);
  try {
    mkdirSync(fs.path('log'));
    mkdirSync(fs.path('registry'));
    await fs.sync();
    for (let c = 0; c <= cuts; c++) {
      const srv = await start(fs);
      try {
        const key = await new RekorClient(srv.log.url).publicKey();
        if (s.key && key !== s.key) problem(s, 'log key changed across a power cut');
        s.key ||= key;
        const head = await verifyAfterRestart(s, srv.log.url);
        pushesLost += await checkPushed(s, srv.reg.host, pushed);
        if (c === cuts) {
          say(
            `  final start: tree size ${head.size}, ${s.acked.length} entries and ${pushed.length} pushes verified`,
          );
          break;
        }
        const ms = Math.round(200 + random() * 2000);
        const before = pushed.length;
        const n = await loadAndCut(s, srv, fs, ms, Math.floor(random() * 2 ** 31), pushed);
        say(
          `  cut ${c + 1}/${cuts} after ${ms} ms: ${n} entries, ${pushed.length - before} pushes acknowledged`,
        );
      } finally {
        await Promise.all([srv.log.stop(), srv.reg.stop()]);
      }
    }
    const integrity = integrityCheck(fs.path('log', 'log.db'));
    if (integrity !== 'ok') problem(s, `sqlite integrity_check: ${integrity}`);
    const st = await fs.stats();
    return result(s, cuts, pushed.length, pushesLost, integrity, st);
  } finally {
    await fs.unmount();
  }
}

function integrityCheck(db: string): string {
  const d = new Database(db, { readonly: true });
  try {
    return String(d.pragma('integrity_check', { simple: true }));
  } finally {
    d.close();
  }
}

function result(
  s: State,
  cuts: number,
  pushes: number,
  pushesLost: number,
  integrity: string,
  st: Record<string, number>,
): SuiteResult {
  const figures = {
    'power cuts': cuts,
    'entries acknowledged': s.acked.length,
    'entries lost': s.lost,
    'pushes acknowledged': pushes + pushesLost,
    'pushes lost': pushesLost,
    'checkpoints checked for consistency': s.checkpointsChecked,
    'unsynced blocks dropped / kept at cuts': `${st.blocks_dropped ?? 0} / ${st.blocks_kept ?? 0}`,
    'sqlite integrity_check': integrity,
    problems: s.problems.length,
  };
  const ok = s.problems.length === 0 && s.lost === 0 && pushesLost === 0 && s.acked.length > 0 && pushes > 0;
  return { ok, figures };
}
