import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createPublicKey } from 'node:crypto';
import { verifyCheckpoint } from '../src/core/checkpoint.ts';
import { RekorClient } from '../src/tlog/client/index.ts';
import type { ProposedEntry } from '../src/tlog/client/index.ts';
import {
  EntryFactory,
  deployedNodeOptions,
  fmt,
  percentile,
  rssMiB,
  say,
  sha256Hex,
  sleep,
  startLogChild,
  startRegistryChild,
  tempDir,
} from './lib/common.ts';
import type { SuiteOptions, SuiteResult } from './lib/common.ts';
import { LoopbackClient, type Reply } from './lib/http.ts';

/**
 * (b) Load: `chains tlog serve` and `chains registry serve --dir` (child processes) under sustained concurrent
 * clients on loopback for a bounded time; throughput, p50/p99 latency, errors, and server RSS over time.
 */

interface Phase {
  ops: Map<string, number[]>;
  errors: number;
  errorSamples: string[];
  rss: number[];
  /** Items the server stores so far, at each RSS sample (registry: images pushed). */
  stored: number[];
}

type Op = () => Promise<[name: string, reply: Reply, ok: boolean]>;

async function drive(
  pid: number,
  clients: number,
  seconds: number,
  pick: (w: number, i: number) => Op,
  stored: () => number = () => 0,
): Promise<Phase & { secs: number }> {
  const p: Phase = { ops: new Map(), errors: 0, errorSamples: [], rss: [], stored: [] };
  const until = performance.now() + seconds * 1000;
  const sample = (): void => {
    p.rss.push(rssMiB(pid));
    p.stored.push(stored());
  };
  const sampler = setInterval(sample, 500);
  sample();
  const t0 = performance.now();
  const worker = async (w: number): Promise<void> => {
    for (let i = 0; performance.now() < until; i++) {
      const s = performance.now();
      try {
        const [name, reply, ok] = await pick(w, i)();
        const list = p.ops.get(name) ?? [];
        list.push(performance.now() - s);
        p.ops.set(name, list);
        if (!ok) throw new Error(`${name}: HTTP ${reply.status} ${reply.body.toString().slice(0, 120)}`);
      } catch (e) {
        p.errors++;
        if (p.errorSamples.length < 5) p.errorSamples.push((e as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: clients }, (_, w) => worker(w)));
  clearInterval(sampler);
  sample();
  return { ...p, secs: (performance.now() - t0) / 1000 };
}

function report(label: string, p: Phase & { secs: number }): Record<string, string | number> {
  const all = [...p.ops.values()].flat();
  say(
    `  ${label}: ${all.length} requests in ${fmt(p.secs)} s, ${fmt(all.length / p.secs, 0)} req/s, errors ${p.errors}`,
  );
  for (const [name, l] of p.ops)
    say(
      `    ${name.padEnd(28)} ${String(l.length).padStart(7)}  ${fmt(l.length / p.secs, 0).padStart(6)}/s  p50 ${fmt(percentile(l, 50), 2)} ms  p99 ${fmt(percentile(l, 99), 2)} ms`,
    );
  for (const e of p.errorSamples) say(`    ! ${e}`);
  const third = Math.max(1, Math.floor(p.rss.length / 3));
  const early = Math.max(...p.rss.slice(1, 1 + third));
  const late = Math.max(...p.rss.slice(-third));
  say(
    `    server RSS MiB: start ${fmt(p.rss[0] ?? NaN)}, max of first third ${fmt(early)}, max of last third ${fmt(late)}, end ${fmt(p.rss.at(-1) ?? NaN)}`,
  );
  return {
    [`${label} throughput (req/s)`]: fmt(all.length / p.secs, 0),
    [`${label} p99 latency (ms)`]: fmt(percentile(all, 99), 2),
    [`${label} errors`]: p.errors,
    [`${label} RSS start/end (MiB)`]: `${fmt(p.rss[0] ?? NaN)} / ${fmt(p.rss.at(-1) ?? NaN)}`,
  };
}

/** Index of the highest RSS sample in [from, to). */
function peakAt(p: Phase, from: number, to: number): number {
  let best = from;
  for (let i = from; i < to; i++) if ((p.rss[i] ?? 0) > (p.rss[best] ?? 0)) best = i;
  return best;
}

/**
 * Memory is flat when the last third of the run peaks at most 10 % + 16 MiB above the first third, plus
 * `perItemKiB` for each item stored in between, for a store that keeps an index of what it holds in memory (it
 * grows with its content, not with traffic; the budget is what that index may cost). The registry's is 0 now.
 */
function flat(p: Phase, perItemKiB = 0): boolean {
  const third = Math.max(1, Math.floor(p.rss.length / 3));
  const early = peakAt(p, 1, 1 + third);
  const late = peakAt(p, p.rss.length - third, p.rss.length);
  const items = (p.stored[late] ?? 0) - (p.stored[early] ?? 0);
  return (p.rss[late] ?? 0) <= (p.rss[early] ?? 0) * 1.1 + 16 + (items * perItemKiB) / 1024;
}

/** The registry's `--dir` store keeps its index on disk (SQLite): memory may not grow with what it stores. */
const REGISTRY_KIB_PER_IMAGE = 0;

async function logPhase(
  seconds: number,
  clients: number,
): Promise<{ figures: Record<string, string | number>; ok: boolean }> {
  const srv = await startLogChild(join(tempDir('load-log'), 'log.db'), [], deployedNodeOptions());
  const http = new LoopbackClient(clients);
  try {
    const pool: ProposedEntry[] = [];
    const factory = new EntryFactory();
    for (let i = 0; i < Math.min(60_000, seconds * 1500); i++) pool.push(factory.next());
    const created: string[] = [];
    let size = 0;
    const pick = (): Op => {
      const r = Math.floor(Math.random() * 10);
      if (r < 7 || created.length === 0)
        return async () => {
          const reply = await http.request(
            'POST',
            `${srv.url}/api/v1/log/entries`,
            JSON.stringify(pool.pop() ?? factory.next()),
            { 'content-type': 'application/json' },
          );
          if (reply.status === 201) created.push(String(reply.headers.etag));
          return ['POST entry (durable)', reply, reply.status === 201];
        };
      if (r < 9)
        return async () => {
          const id = created[Math.floor(Math.random() * created.length)];
          const reply = await http.request('GET', `${srv.url}/api/v1/log/entries/${id}`);
          return ['GET entry + proof', reply, reply.status === 200];
        };
      return async () => {
        const info = await http.request('GET', `${srv.url}/api/v1/log`);
        size = Math.max(size, (JSON.parse(info.body.toString()) as { treeSize: number }).treeSize);
        const first = 1 + Math.floor(Math.random() * Math.max(1, size - 1));
        const reply = await http.request(
          'GET',
          `${srv.url}/api/v1/log/proof?firstSize=${first}&lastSize=${size}`,
        );
        return ['GET log + consistency', reply, info.status === 200 && reply.status === 200];
      };
    };
    await sleep(500);
    const p = await drive(srv.child.pid ?? 0, clients, seconds, pick);
    const figures = report('log', p);
    // answers under load were right: the head verifies and a sample of entries verifies end to end
    const key = await new RekorClient(srv.url).publicKey();
    const info = await new RekorClient(srv.url).logInfo();
    verifyCheckpoint(info.signedTreeHead, createPublicKey(key));
    const verified = new RekorClient(srv.url, { logPublicKey: key });
    for (let i = 0; i < created.length; i += Math.max(1, Math.floor(created.length / 50)))
      await verified.getEntry(created[i] as string);
    figures['log entries integrated'] = info.treeSize;
    return { figures, ok: p.errors === 0 && flat(p) };
  } finally {
    http.close();
    await srv.stop();
  }
}

async function registryPhase(
  seconds: number,
  clients: number,
): Promise<{ figures: Record<string, string | number>; ok: boolean }> {
  const srv = await startRegistryChild(tempDir('load-reg'), [], deployedNodeOptions());
  const http = new LoopbackClient(clients);
  const base = `http://${srv.host}/v2`;
  const pushed: { repo: string; tag: string; digest: string }[] = [];
  try {
    const push = async (w: number, i: number): Promise<[string, Reply, boolean]> => {
      const repo = `load/app${w % 4}`;
      const blob = randomBytes(1024 + (i % 3) * 1024);
      const config = Buffer.from(JSON.stringify({ os: 'linux', w, i }));
      for (const b of [blob, config]) {
        const r = await http.request(
          'POST',
          `${base}/${repo}/blobs/uploads/?digest=sha256:${sha256Hex(b)}`,
          b,
          { 'content-type': 'application/octet-stream' },
        );
        if (r.status !== 201) return ['push blob', r, false];
      }
      const d = (mt: string, b: Buffer) => ({
        mediaType: mt,
        digest: `sha256:${sha256Hex(b)}`,
        size: b.length,
      });
      const manifest = JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: d('application/vnd.oci.image.config.v1+json', config),
        layers: [d('application/vnd.oci.image.layer.v1.tar', blob)],
      });
      const tag = `t${w}-${i}`;
      const r = await http.request('PUT', `${base}/${repo}/manifests/${tag}`, manifest, {
        'content-type': 'application/vnd.oci.image.manifest.v1+json',
      });
      if (r.status === 201) pushed.push({ repo, tag, digest: `sha256:${sha256Hex(blob)}` });
      return ['push image (2 blobs + manifest)', r, r.status === 201];
    };
    const pull = async (): Promise<[string, Reply, boolean]> => {
      const p = pushed[Math.floor(Math.random() * pushed.length)] as (typeof pushed)[number];
      const m = await http.request('GET', `${base}/${p.repo}/manifests/${p.tag}`, undefined, {
        accept: 'application/vnd.oci.image.manifest.v1+json',
      });
      const b = await http.request('GET', `${base}/${p.repo}/blobs/${p.digest}`);
      const ok = m.status === 200 && b.status === 200 && `sha256:${sha256Hex(b.body)}` === p.digest;
      return ['pull image (manifest + blob)', m.status === 200 ? b : m, ok];
    };
    await sleep(500);
    const p = await drive(
      srv.child.pid ?? 0,
      clients,
      seconds,
      (w, i) => (i % 2 === 0 || pushed.length === 0 ? () => push(w, i) : pull),
      () => pushed.length,
    );
    const grown = ((p.rss.at(-1) ?? 0) - (p.rss[0] ?? 0)) * 1024;
    say(
      `    RSS growth per stored image: ${fmt(grown / Math.max(1, pushed.length), 2)} KiB (budget ${REGISTRY_KIB_PER_IMAGE} KiB: the index is on disk)`,
    );
    const figures = {
      ...report('registry', p),
      'registry KiB per stored image': fmt(grown / Math.max(1, pushed.length), 2),
    };
    return { figures, ok: p.errors === 0 && flat(p, REGISTRY_KIB_PER_IMAGE) };
  } finally {
    http.close();
    await srv.stop();
  }
}

export default async function load(o: SuiteOptions): Promise<SuiteResult> {
  const seconds = Math.max(2, Math.round((o.quick ? 4 : 30) * o.scale));
  const log = await logPhase(seconds, 32);
  const reg = await registryPhase(seconds, 16);
  return { ok: log.ok && reg.ok, figures: { 'seconds per server': seconds, ...log.figures, ...reg.figures } };
}
