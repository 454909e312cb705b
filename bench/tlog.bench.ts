import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { preAuthEncoding } from '../src/core/dsse.ts';
import { systemClock } from '../src/core/clock.ts';
import { hashChildren, hashLeaf } from '../src/core/merkle.ts';
import { appendToFrontier, inclusionRanges } from '../src/core/merkle-ranges.ts';
import { proposeDsse, verifyLogEntry } from '../src/tlog/client/index.ts';
import type { LogEntry } from '../src/tlog/client/index.ts';
import { SqliteLogStore } from '../src/tlog/store/sqlite.ts';
import { STORE_TUNING } from '../src/tlog/server/tuning.ts';
import type { StoredNode } from '../src/tlog/store/store.ts';
import { TransparencyLog, entryJson, loadOrCreateLogKey } from '../src/tlog/server/index.ts';
import { signCheckpoint } from '../src/core/checkpoint.ts';
import { CHAINS_JS, CHAINS_NODE_FLAGS } from './proc.ts';

/**
 * Transparency log figures: durable appends/s over HTTP (server in its own process, signatures verified),
 * time to integrate (POST → 201) p50/p99, and proof + entry fetch latency on a 1 M-entry tree.
 * The append run is repeated with few clients (TLOG_BENCH_FEW_CLIENTS, default 8; TLOG_BENCH_FEW_APPENDS=0
 * skips it), where batches are small and per-batch costs show, and with many (TLOG_BENCH_MANY_CLIENTS, default
 * 128; 0 skips it), the server's capacity. TLOG_BENCH_APPENDS / TLOG_BENCH_CLIENTS /
 * TLOG_BENCH_TREE override the sizes (0 skips that part); TLOG_BENCH_IDLE_S the idle measurement (0 skips it);
 * TLOG_BENCH_NODE_FLAGS adds node/V8 flags to the server process.
 */
const APPENDS = Number(process.env.TLOG_BENCH_APPENDS ?? 20_000);
const CLIENTS = Number(process.env.TLOG_BENCH_CLIENTS ?? 64);
/** The low-concurrency run (a controller's few clients, small batches): per-batch fixed costs dominate there. */
const FEW_CLIENTS = Number(process.env.TLOG_BENCH_FEW_CLIENTS ?? 8);
const FEW_APPENDS = Number(process.env.TLOG_BENCH_FEW_APPENDS ?? 10_000);
/** The capacity run: enough clients that the pipeline between event loop and worker never runs dry (0 skips). */
const MANY_CLIENTS = Number(process.env.TLOG_BENCH_MANY_CLIENTS ?? 128);
const IDLE_S = Number(process.env.TLOG_BENCH_IDLE_S ?? 10);
/** Unmeasured appends first, so JIT warm-up (≈ 0.5 s of background TurboFan work) and worker start-up do not count. */
const WARMUP = 2_000;
const TREE = Number(process.env.TLOG_BENCH_TREE ?? 1_000_000);
/** TLOG_BENCH_PROF=<dir>: write a V8 CPU profile of the server process (all threads) there. */
const PROF = process.env.TLOG_BENCH_PROF;

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};
const ms = (x: number): string => `${x.toFixed(3)} ms`;

async function spawnServer(db: string): Promise<{ child: ChildProcess; url: string }> {
  const workers = process.env.TLOG_BENCH_WORKERS ? ['--verify-workers', process.env.TLOG_BENCH_WORKERS] : [];
  // the same command line as bin/chains, so node flags (a CPU profile) can be added
  const node = [
    ...CHAINS_NODE_FLAGS,
    ...(PROF ? ['--cpu-prof', `--cpu-prof-dir=${PROF}`] : []),
    ...(process.env.TLOG_BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean),
    CHAINS_JS,
  ];
  const args = [...node, 'tlog', 'serve', '--addr', '127.0.0.1:0', '--db', db, ...workers];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((res, rej) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (\S+)/.exec(out);
      if (m?.[1]) res(m[1]);
    });
    child.once('exit', (c) => rej(new Error(`server exited ${c}`)));
  });
  return { child, url };
}

/** SIGTERM the server and wait for it to exit (it writes its CPU profile on exit). */
async function stopServer(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** CPU seconds [user, system] (all threads) a process has used so far, from /proc (Linux). */
function cpuTimes(pid: number | undefined): [number, number] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return [Number(f[11]) / 100, Number(f[12]) / 100]; // utime, stime in clock ticks (USER_HZ = 100)
}

/** CPU seconds of the main (event-loop) thread and of all other threads together. */
function threadTimes(pid: number | undefined): { main: number; rest: number } {
  let all = 0;
  let main = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // the thread exited
    }
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const t = (Number(f[11]) + Number(f[12])) / 100;
    all += t;
    if (tid === String(pid)) main = t;
  }
  return { main, rest: all - main };
}

function cpuSeconds(pid: number | undefined): number {
  const [u, s] = cpuTimes(pid);
  return u + s;
}

function get(agent: Agent, url: URL): Promise<string> {
  return new Promise((res, rej) => {
    request(url, { agent }, (r) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => res(Buffer.concat(chunks).toString()));
    })
      .on('error', rej)
      .end();
  });
}

/** Pre-signed dsse proposals (client-side signing is not what is measured). */
function proposals(n: number): string[] {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const type = 'application/vnd.in-toto+json';
  return Array.from({ length: n }, (_, i) => {
    const payload = Buffer.from(
      JSON.stringify({
        _type: 'https://in-toto.io/Statement/v1',
        subject: [
          { name: `img${i}`, digest: { sha256: createHash('sha256').update(String(i)).digest('hex') } },
        ],
        predicateType: 'p',
        predicate: {},
      }),
    );
    const sig = sign('sha256', preAuthEncoding(type, payload), privateKey).toString('base64');
    const env = JSON.stringify({
      payloadType: type,
      payload: payload.toString('base64'),
      signatures: [{ keyid: '', sig }],
    });
    return JSON.stringify(proposeDsse(env, pem));
  });
}

/** One keep-alive connection speaking raw HTTP/1.1 (a thin client, so the server gets the CPU). */
class RawConnection {
  private buf = Buffer.alloc(0);
  private waiter: ((r: { status: number; body: string }) => void) | null = null;
  private constructor(private readonly sock: Socket) {
    sock.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.tryParse();
    });
  }

  static open(url: URL): Promise<RawConnection> {
    return new Promise((res, rej) => {
      const s = connect(Number(url.port), url.hostname, () => res(new RawConnection(s)));
      s.once('error', rej);
    });
  }

  private tryParse(): void {
    const end = this.buf.indexOf('\r\n\r\n');
    if (end < 0 || !this.waiter) return;
    const head = this.buf.subarray(0, end).toString('latin1');
    const len = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? '0');
    if (this.buf.length < end + 4 + len) return;
    const body = this.buf.subarray(end + 4, end + 4 + len).toString();
    this.buf = this.buf.subarray(end + 4 + len);
    const w = this.waiter;
    this.waiter = null;
    w({ status: Number(head.slice(9, 12)), body });
  }

  /** Send one pre-built request (head and body in one buffer, one write). */
  send(request: Buffer): Promise<{ status: number; body: string }> {
    return new Promise((res) => {
      this.waiter = res;
      this.sock.write(request);
    });
  }

  close(): void {
    this.sock.destroy();
  }
}

/** Send the requests over the connections (each connection one at a time); latencies and the last answer. */
async function drive(conns: RawConnection[], requests: Buffer[]): Promise<{ lat: number[]; last: string }> {
  const lat: number[] = [];
  let next = 0;
  let last = '';
  await Promise.all(
    conns.map(async (c) => {
      while (next < requests.length) {
        const request = requests[next++] as Buffer;
        const s = performance.now();
        const r = await c.send(request);
        lat.push(performance.now() - s);
        if (r.status !== 201) throw new Error(`append failed: ${r.status} ${r.body}`);
        last = r.body;
      }
    }),
  );
  return { lat, last };
}

async function appends(dir: string, clients: number, count: number): Promise<void> {
  const { child, url } = await spawnServer(join(dir, `append-${clients}.db`));
  const base = new URL(url);
  const requests = proposals(WARMUP + count).map((body) => {
    const b = Buffer.from(body);
    const head = `POST /api/v1/log/entries HTTP/1.1\r\nHost: ${base.host}\r\nContent-Type: application/json\r\nContent-Length: ${b.length}\r\n\r\n`;
    return Buffer.concat([Buffer.from(head), b]);
  });
  const conns = await Promise.all(Array.from({ length: clients }, () => RawConnection.open(base)));
  await drive(conns, requests.splice(0, WARMUP)); // JIT and worker start-up are not what is measured
  const server0 = cpuTimes(child.pid);
  const threads0 = threadTimes(child.pid);
  const client0 = process.cpuUsage();
  const t0 = performance.now();
  const { lat, last } = await drive(conns, requests);
  const secs = (performance.now() - t0) / 1000;
  const server1 = cpuTimes(child.pid);
  const threads1 = threadTimes(child.pid);
  const [user, sys] = [server1[0] - server0[0], server1[1] - server0[1]];
  const c = process.cpuUsage(client0);
  const clientCpu = (c.user + c.system) / 1e6;
  conns.forEach((c) => c.close());
  const agent = new Agent({ keepAlive: true });
  const key = await get(agent, new URL('/api/v1/log/publicKey', url));
  verifyLogEntry(JSON.parse(last) as LogEntry, key);
  console.log(
    `durable appends over HTTP, ${clients} clients: ${(count / secs).toFixed(0)}/s (${count} dsse entries, ${clients} concurrent keep-alive connections, each signature verified, fdatasync per batch)`,
  );
  console.log(
    `  time to integrate (POST → 201 with proof + signed checkpoint): p50 ${ms(pct(lat, 50))}, p99 ${ms(pct(lat, 99))}`,
  );
  const us = (cpu: number): string => `${((cpu / count) * 1e6).toFixed(0)} µs`;
  console.log(
    `  CPU per append: server ${us(user + sys)} (all threads; user ${us(user)}, system ${us(sys)}), bench client ${us(clientCpu)}; load average ${loadavg()[0]?.toFixed(1)}`,
  );
  // the busier thread bounds appends/s when each thread has a core of its own
  console.log(
    `  server CPU per append by thread: event loop ${us(threads1.main - threads0.main)}, other threads ${us(threads1.rest - threads0.rest)}`,
  );
  if (IDLE_S > 0 && clients === CLIENTS) {
    const idle0 = cpuSeconds(child.pid);
    await new Promise((r) => setTimeout(r, IDLE_S * 1000));
    console.log(
      `  idle server CPU (${IDLE_S} s after the run): ${(((cpuSeconds(child.pid) - idle0) / IDLE_S) * 100).toFixed(1)} % of a core`,
    );
  }
  await stopServer(child);
  agent.destroy();
}

/** Fill a store with TREE entries directly (fake bodies, one placeholder SET), in big batches. */
async function buildTree(db: string): Promise<void> {
  const store = new SqliteLogStore(db, STORE_TUNING);
  await store.setTreeId('1');
  const key = loadOrCreateLogKey(`${db}.key`);
  const edge: (Buffer | undefined)[] = [];
  const set = Buffer.alloc(70, 1);
  const BATCH = 50_000;
  for (let start = 0; start < TREE; start += BATCH) {
    const entries = [];
    const nodes: StoredNode[] = [];
    for (let index = start; index < Math.min(TREE, start + BATCH); index++) {
      const body = Buffer.from(
        `{"apiVersion":"0.0.1","kind":"bench","spec":{"i":${index},"r":"${randomBytes(16).toString('hex')}"}}`,
      );
      const uuid = hashLeaf(body);
      nodes.push(...appendToFrontier(edge, index, uuid));
      entries.push({
        entry: { index, uuid, body, integratedTime: 1, set, attestation: null },
        keys: Buffer.alloc(0),
      });
    }
    let root: Buffer | undefined;
    for (const e of edge) if (e) root = root ? hashChildren(e, root) : e;
    const size = Math.min(TREE, start + BATCH);
    const note = signCheckpoint(
      { origin: 'bench - 1', size, rootHash: root as Buffer, extensions: [] },
      'bench',
      key.privateKey,
      key.publicKey,
    );
    await store.commit({ entries, nodes, checkpoint: { size, rootHash: root as Buffer, note } });
  }
  await store.close();
}

async function reads(dir: string): Promise<void> {
  const db = join(dir, 'tree.db');
  const t0 = performance.now();
  await buildTree(db);
  console.log(
    `built a ${TREE.toLocaleString('en')}-entry tree via the store in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  const store = new SqliteLogStore(db, STORE_TUNING);
  const log = await TransparencyLog.open({
    store,
    key: loadOrCreateLogKey(`${db}.key`),
    hostname: 'bench',
    clock: systemClock,
  });
  const size = log.checkpoint.size;
  const proofLat: number[] = [];
  const entryLat: number[] = [];
  for (let i = 0; i < 5000; i++) {
    const idx = Math.floor(Math.random() * size);
    let s = performance.now();
    await log.inclusionProof(idx, size);
    proofLat.push(performance.now() - s);
    s = performance.now();
    const e = await store.entryByIndex(idx);
    await entryJson(log, e!);
    entryLat.push(performance.now() - s);
  }
  console.log(
    `at ${size.toLocaleString('en')} entries: inclusion proof (${inclusionRanges(0, size).length} hashes) p50 ${ms(pct(proofLat, 50))}, p99 ${ms(pct(proofLat, 99))}`,
  );
  console.log(
    `at ${size.toLocaleString('en')} entries: entry fetch + proof + checkpoint (in process) p50 ${ms(pct(entryLat, 50))}, p99 ${ms(pct(entryLat, 99))}`,
  );
  await store.close();
  const { child, url } = await spawnServer(db);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const httpLat: number[] = [];
  for (let i = 0; i < 3000; i++) {
    const s = performance.now();
    await get(agent, new URL(`/api/v1/log/entries?logIndex=${Math.floor(Math.random() * size)}`, url));
    httpLat.push(performance.now() - s);
  }
  console.log(
    `at ${size.toLocaleString('en')} entries: GET entry by index over HTTP (1 client, keep-alive) p50 ${ms(pct(httpLat, 50))}, p99 ${ms(pct(httpLat, 99))}`,
  );
  await stopServer(child);
  agent.destroy();
}

export default async function bench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tlog-bench-'));
  try {
    if (APPENDS > 0) await appends(dir, CLIENTS, APPENDS);
    if (APPENDS > 0 && MANY_CLIENTS > 0) await appends(dir, MANY_CLIENTS, APPENDS);
    if (FEW_APPENDS > 0) await appends(dir, FEW_CLIENTS, FEW_APPENDS);
    if (TREE > 0) await reads(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
