import { spawn } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { submitToCtLog } from '../src/ctlog/sct/index.ts';
import { issueLeaf, makeCa } from '../test/ctlog/pki.ts';
import { cpuMs, freePort } from './proc.ts';

/**
 * The CT log: durable SCTs per second for precertificates (add-pre-chain: two chain signature checks, one SCT
 * signature, a fsync'ed commit per batch) from 1 and 16 clients over HTTP, next to the raw node:crypto ECDSA
 * P-256 sign rate measured in the same run. The precertificates are made before the clock starts.
 */

const BIN = resolve(import.meta.dirname, '../bin/chains');

function rawSignRate(n = 3000): number {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const data = Buffer.alloc(600, 1);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) sign('sha256', data, privateKey);
  return n / (Number(process.hrtime.bigint() - t0) / 1e9);
}

async function startLog(
  dir: string,
  roots: string,
): Promise<{ url: string; pid: number | undefined; stop(): void }> {
  const port = await freePort();
  const child = spawn(
    BIN,
    ['ctlog', 'serve', '--addr', `127.0.0.1:${port}`, '--dir', dir, '--roots', roots],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((ok, fail) => {
    child.stdout.on('data', (d: Buffer) => d.toString().includes('listening') && ok());
    child.once('exit', (c) => fail(new Error(`ctlog serve exited ${c}`)));
  });
  return { url: `http://127.0.0.1:${port}`, pid: child.pid, stop: () => child.kill('SIGTERM') };
}

const pct = (xs: number[], p: number): number =>
  [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * p)] ?? NaN;

export default async function bench(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'bench-ctlog-'));
  const ca = await makeCa('bench');
  writeFileSync(join(work, 'roots.pem'), ca.rootPem);
  const keys = (await issueLeaf(ca)).keys;
  const n = Number(process.env.CTLOG_BENCH_N ?? 1500);
  const precerts = await Promise.all(
    Array.from({ length: n }, () => issueLeaf(ca, { poison: 'valid', keys })),
  );
  const log = await startLog(join(work, 'ct'), join(work, 'roots.pem'));
  try {
    let next = 0;
    const run = async (clients: number, count: number): Promise<void> => {
      const lat: number[] = [];
      const cpu0 = cpuMs(log.pid);
      const me0 = process.cpuUsage();
      const t0 = performance.now();
      const end = next + count;
      const worker = async (): Promise<void> => {
        while (next < end) {
          const pre = precerts[next++];
          const s = performance.now();
          await submitToCtLog(log.url, 'add-pre-chain', [pre!.der, ca.intermediate]);
          lat.push(performance.now() - s);
        }
      };
      await Promise.all(Array.from({ length: clients }, worker));
      const secs = (performance.now() - t0) / 1000;
      const me = process.cpuUsage(me0);
      const clientMs = (me.user + me.system) / 1000 / count;
      const raw = rawSignRate();
      const rate = count / secs;
      console.log(
        `  ${String(clients).padStart(2)} clients: ${rate.toFixed(0)} SCTs/s, p50 ${pct(lat, 0.5).toFixed(1)} ms, p99 ${pct(lat, 0.99).toFixed(1)} ms, ` +
          `server CPU ${((cpuMs(log.pid) - cpu0) / count).toFixed(2)} ms/SCT, client CPU ${clientMs.toFixed(2)} ms/SCT; raw ECDSA P-256 sign ${raw.toFixed(0)}/s; ratio ${(rate / raw).toFixed(3)}`,
      );
    };
    await run(4, Math.min(100, n / 10)); // warm-up
    await run(1, Math.floor(n * 0.2));
    await run(16, n - next);
    console.log(`  load average ${loadavg()[0]?.toFixed(1)}`);
  } finally {
    log.stop();
    rmSync(work, { recursive: true, force: true });
  }
}
