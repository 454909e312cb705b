import { spawn } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHAINS_JS, CHAINS_NODE_FLAGS, cpuMs, freePort } from './proc.ts';
import { privateKeyMaterial } from '../src/keys/index.ts';
import type { SignedRecord } from '../src/core/signed.ts';
import { KeySigner, signInToto, signSimpleSigning } from '../src/signing/index.ts';
import { RegistryClient } from '../src/registry/client.ts';
import { nodeTransport, type Transport } from '../src/registry/transport.ts';
import { startRegistryServer } from '../src/registry/server/server.ts';
import type { ImageTarget } from '../src/storage/backend.ts';
import { OciStorageBackend } from '../src/storage/oci/backend.ts';
import { verifyImageSignatures } from '../src/verify/image.ts';
import { startRegistries } from '../test/setup/registries.ts';
import { pushRandomImage } from '../test/storage/oci/helpers.ts';

const RUN = { kind: 'TaskRun' as const, namespace: 'bench', name: 'bench', uid: 'bench' };

async function signAll(
  client: RegistryClient,
  signer: KeySigner,
  images: ImageTarget[],
  concurrency: number,
): Promise<number> {
  const backend = new OciStorageBackend({ client });
  const queue = [...images];
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    for (let image = queue.shift(); image; image = queue.shift()) {
      const record = await signSimpleSigning(signer, image.repository, image.digest);
      await backend.store({
        what: 'image-signature',
        run: RUN,
        record,
        image,
        shortKey: 'b',
        format: 'simplesigning',
      });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return images.length / ((performance.now() - t0) / 1000);
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

async function benchOne(name: string, host: string, signer: KeySigner, n: number): Promise<void> {
  const client = new RegistryClient();
  const images: ImageTarget[] = [];
  for (let i = 0; i < n * 2; i++) images.push(await pushRandomImage(client, host, `bench/img${i % 4}`));
  const seq = await signAll(client, signer, images.slice(0, n), 1);
  const par = await signAll(client, signer, images.slice(n), 8);
  const lat: number[] = [];
  for (let i = 0; i < 40; i++) {
    const image = images[i % images.length]!;
    const t0 = performance.now();
    await verifyImageSignatures(`${image.repository}@${image.digest}`, {
      client,
      publicKey: signer.publicKey,
    });
    lat.push(performance.now() - t0);
  }
  console.log(
    `${name.padEnd(24)} sign+push ${seq.toFixed(1)} images/s (1 worker), ${par.toFixed(1)} images/s (8 workers); ` +
      `verify p50 ${percentile(lat, 50).toFixed(1)} ms, p95 ${percentile(lat, 95).toFixed(1)} ms (n=${lat.length})`,
  );
}

/** CPU time (user + system) of another process so far, in ms (Linux /proc/<pid>/stat, 10 ms ticks). */
/** CPU ms per thread name of a process since it started (V8 compiler and GC helpers run off the main thread). */
function threadCpu(pid: number | undefined): string {
  const by = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ms = (Number(f[11]) + Number(f[12])) * 10;
    if (ms > 0) by.set(`${name}/${tid}`, ms);
  }
  return [...by].map(([n, ms]) => `${n} ${ms} ms`).join(', ');
}

/** `chains registry serve --dir` in its own process, as the controller bench and a deployment run it. */
async function registryProcess(
  dir: string,
): Promise<{ host: string; pid: number | undefined; close(): void }> {
  const host = `127.0.0.1:${await freePort()}`;
  const prof = process.env.OCI_BENCH_PROF
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.OCI_BENCH_PROF}`]
    : [];
  const store = process.env.OCI_BENCH_MEMORY ? [] : ['--dir', dir];
  const flags = process.env.OCI_BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? [];
  const args = [
    ...CHAINS_NODE_FLAGS,
    ...prof,
    ...flags,
    CHAINS_JS,
    'registry',
    'serve',
    ...store,
    '--addr',
    host,
  ];
  const child = spawn(process.execPath, args, { stdio: 'ignore' });
  for (let i = 0; i < 200; i++) {
    if (
      await fetch(`http://${host}/v2/`).then(
        () => true,
        () => false,
      )
    )
      return { host, pid: child.pid, close: () => void child.kill('SIGINT') };
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill();
  throw new Error('registry did not start');
}

/**
 * What the controller pays per signed run for OCI storage: one `.sig` (simplesigning) and one `.att` (DSSE)
 * pushed to a fresh image's tags, signing done beforehand. CPU per run of this process and of the registry.
 */
async function pushCpu(signer: KeySigner, dir: string): Promise<void> {
  const reg = await registryProcess(join(dir, 'cpu-registry'));
  let requests = 0;
  const inner = nodeTransport();
  const transport: Transport = (req) => (requests++, inner(req));
  const backend = new OciStorageBackend({ client: new RegistryClient({ transport }) });
  const runs = Number(process.env.OCI_BENCH_RUNS ?? 2000);
  const warm = Number(process.env.OCI_BENCH_WARMUP ?? 200);
  const work: { image: ImageTarget; sig: SignedRecord; att: SignedRecord }[] = [];
  for (let i = 0; i < runs + warm; i++) {
    const digest = `sha256:${createHash('sha256').update(`img ${i} ${process.pid}`).digest('hex')}`;
    const image = { repository: `${reg.host}/bench/cpu`, digest };
    const statement = Buffer.from(
      JSON.stringify({
        _type: 'https://in-toto.io/Statement/v0.1',
        subject: [{ name: image.repository, digest: { sha256: digest.slice(7) } }],
        predicateType: 'https://slsa.dev/provenance/v0.2',
        predicate: {
          builder: { id: 'https://tekton.dev/chains/v2' },
          buildType: 'tekton.dev/v1beta1/TaskRun',
          invocation: { parameters: { x: 'y'.repeat(1500) } },
        },
      }),
    );
    work.push({
      image,
      sig: await signSimpleSigning(signer, image.repository, digest),
      att: await signInToto(signer, statement),
    });
  }
  const pushAll = async (items: typeof work, workers: number): Promise<void> => {
    const queue = [...items];
    const worker = async (): Promise<void> => {
      for (let w = queue.shift(); w; w = queue.shift()) {
        await backend.store({
          what: 'image-signature',
          run: RUN,
          record: w.sig,
          image: w.image,
          shortKey: 'b',
          format: 'simplesigning',
        });
        await backend.store({
          what: 'attestation',
          run: RUN,
          record: w.att,
          subjects: [w.image],
          predicateType: 'https://slsa.dev/provenance/v0.2',
          shortKey: 'b',
          format: 'in-toto',
        });
      }
    };
    await Promise.all(Array.from({ length: workers }, worker));
  };
  await pushAll(work.slice(0, warm), 8); // warm-up: JIT, connections
  global.gc?.();
  requests = 0;
  const c0 = { self: process.cpuUsage(), reg: cpuMs(reg.pid) };
  const t0 = performance.now();
  const mono0 = process.hrtime.bigint() / 1000n;
  await pushAll(work.slice(warm), 8);
  const secs = (performance.now() - t0) / 1000;
  // CLOCK_MONOTONIC µs, the clock of .cpuprofile timestamps: the measured window in both profiles
  if (process.env.OCI_BENCH_PROF) console.log(`profile window: ${mono0} ${process.hrtime.bigint() / 1000n}`);
  const self = process.cpuUsage(c0.self);
  const regMs = cpuMs(reg.pid) - c0.reg;
  if (process.env.OCI_BENCH_THREADS) console.log(threadCpu(reg.pid));
  const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${reg.pid}/status`, 'utf8'))?.[1];
  reg.close();
  console.log(
    `.sig + .att push per run (${runs} runs, 8 workers, registry process ${process.env.OCI_BENCH_MEMORY ? 'in memory' : 'with --dir'}): ${(requests / runs).toFixed(1)} requests, ` +
      `CPU per run: client ${((self.user + self.system) / 1000 / runs).toFixed(2)} ms, registry ${(regMs / runs).toFixed(2)} ms; ` +
      `${(runs / secs).toFixed(0)} runs/s; registry RSS ${Math.round(Number(rss) / 1024)} MiB`,
  );
}

/** Sign + push throughput and verify latency against Debian docker-registry and the embedded registry. */
export default async function bench(): Promise<void> {
  const signer = new KeySigner(
    privateKeyMaterial(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey),
  );
  const n = Number(process.env.OCI_BENCH_IMAGES ?? 60);
  const dir = mkdtempSync(join(tmpdir(), 'chains-bench-reg-'));
  await pushCpu(signer, dir);
  if (process.env.OCI_BENCH_CPU_ONLY) return rmSync(dir, { recursive: true, force: true });
  const { regs, stop } = await startRegistries(dir);
  const embedded = await startRegistryServer({ addr: '127.0.0.1:0' });
  const files = await startRegistryServer({ addr: '127.0.0.1:0', dir: join(dir, 'embedded') });
  try {
    await benchOne('docker-registry (plain)', regs.plain, signer, n);
    await benchOne('embedded (memory)', embedded.host, signer, n);
    await benchOne('embedded (files)', files.host, signer, n);
  } finally {
    stop();
    await embedded.close();
    await files.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
