import { spawn } from 'node:child_process';
import { createHash, generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildOrchestrator } from '../src/cli/controller/wiring.ts';
import { ConfigStore } from '../src/config/store.ts';
import { parseConfig } from '../src/config/parse.ts';
import { ControllerLoop } from '../src/controller/loop.ts';
import type { SignerSource } from '../src/controller/ports.ts';
import { Reconciler } from '../src/controller/reconciler.ts';
import { SecretSignerSource } from '../src/controller/signer-source.ts';
import { pushDemoImage } from '../src/demo/image.ts';
import { finishedKanikoTaskRun } from '../src/demo/kaniko-run.ts';
import { mintToken } from '../src/oidc/issuer/index.ts';
import { RegistryClient } from '../src/registry/client.ts';
import { loadSigner, type SignerContext } from '../src/signing/index.ts';
import type { StackUrls } from '../src/stack/index.ts';
import { Runs, drain } from './controller.bench.ts';
import { cpuMs } from './proc.ts';

/**
 * Keyless runs per second end to end next to key-pair runs per second, in the same process against the same
 * services (`chains stack serve` in a child process: registry, log, CA, CT log, OIDC issuer). Per run: in-toto
 * statement + DSSE, simplesigning, 2 log entries, .att + .sig pushed. Keyless reuses one certificate for every
 * run (one CA round trip, one precertificate in the CT log, per certificate); the yardstick Chains itself sets is
 * a new key and certificate per signature, measured too.
 */

const RUNS = Number(process.env.KEYLESS_BENCH_RUNS ?? 400);
const ROUNDS = Number(process.env.KEYLESS_BENCH_ROUNDS ?? 5);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 16);

interface Stack {
  urls: StackUrls;
  dirs: { oidc: string };
  pid: number | undefined;
  close(): void;
}

/** `chains stack serve` on free ports, ready once it has written stack.json. */
async function startStack(dir: string): Promise<Stack> {
  const ports = ['registry', 'tlog', 'ca', 'ctlog', 'oidc'].flatMap((n) => [`--${n}-port`, '0']);
  const child = spawn(
    new URL('../bin/chains', import.meta.url).pathname,
    ['stack', 'serve', '--dir', dir, '--no-console', ...ports],
    { stdio: 'ignore' },
  );
  const file = join(dir, 'stack.json');
  // written once every service listens; read until it parses (the writer may be mid-write)
  const read = () => {
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as { urls: StackUrls; dirs: { oidc: string } };
    } catch {
      return undefined;
    }
  };
  let s = read();
  for (let i = 0; i < 600 && !s; i++) {
    await new Promise((r) => setTimeout(r, 50));
    s = read();
  }
  if (!s) throw (child.kill(), new Error('chains stack serve did not start'));
  return { ...s, pid: child.pid, close: () => void child.kill('SIGTERM') };
}

interface Result {
  rate: number;
  cpuMs: number;
  stackCpuMs: number;
  signed: number;
}

/** `total` distinct finished kaniko runs through the real reconciler, orchestrator, log and registry. */
async function measure(
  stack: Stack,
  image: string,
  config: ConfigStore,
  signer: SignerSource,
  total: number,
): Promise<Result> {
  const runs = new Runs();
  const orchestrator = buildOrchestrator({ config, signer, runs, annotations: runs, localDir: tmpdir() });
  const reconciler = new Reconciler({ cache: runs, runs, orchestrator, filter: () => config.current.filter });
  const loop = new ControllerLoop(reconciler, { workers: WORKERS, maxLength: 1_000_000, baseDelayMs: 50 });
  // completed after this instance started: not looked up in the log first (the steady state)
  const finishedAt = new Date(Date.now() + 5000);
  for (let i = 0; i < total; i++) {
    const digest = `sha256:${createHash('sha256').update(randomUUID()).digest('hex')}`;
    runs.add(finishedKanikoTaskRun({ name: `run-${i}`, uid: randomUUID(), image, digest, finishedAt }));
  }
  const cpu0 = { self: process.cpuUsage(), stack: cpuMs(stack.pid) };
  const t0 = performance.now();
  for (const d of runs.docs.values()) loop.enqueue(d, 'fresh');
  loop.start();
  await drain(loop, runs, total, 600_000, () => undefined);
  const secs = (performance.now() - t0) / 1000;
  await loop.stop();
  const self = process.cpuUsage(cpu0.self);
  const n = Math.max(runs.signed, 1);
  return {
    rate: runs.signed / secs,
    cpuMs: (self.user + self.system) / 1000 / n,
    stackCpuMs: (cpuMs(stack.pid) - cpu0.stack) / n,
    signed: runs.signed,
  };
}

const fmt = (label: string, r: Result, total: number) =>
  `${label}: ${r.signed}/${total} runs signed, ${r.rate.toFixed(0)} runs/s; CPU per run: controller ` +
  `${r.cpuMs.toFixed(1)} ms, stack (registry, log, CA, CT log) ${r.stackCpuMs.toFixed(1)} ms`;

/** The median; of an even count, the mean of the middle two (the upper one alone flattered the ratio). */
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? NaN) : ((s[m - 1] ?? NaN) + (s[m] ?? NaN)) / 2;
};

export default async function bench(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'chains-bench-keyless-'));
  const stack = await startStack(join(work, 'stack'));
  try {
    const image = `${stack.urls.registryHost}/bench`;
    await pushDemoImage(new RegistryClient(), image);
    const tokenFile = join(work, 'oidc-token');
    writeFileSync(tokenFile, await mintToken({ dir: stack.dirs.oidc, kubernetesSa: 'tekton-chains/bench' }));
    const common = {
      'artifacts.taskrun.storage': 'oci',
      'artifacts.oci.storage': 'oci',
      'transparency.enabled': 'true',
      'transparency.url': stack.urls.rekor,
    };
    const keyConfig = new ConfigStore(parseConfig(common));
    const keylessConfig = new ConfigStore(
      parseConfig({
        ...common,
        'signers.x509.fulcio.enabled': 'true',
        'signers.x509.fulcio.address': stack.urls.fulcio,
        'signers.x509.fulcio.issuer': stack.urls.oidcIssuer,
        'signers.x509.identity.token.file': tokenFile,
      }),
    );
    // the same P-256 key type for both: the difference is the certificate, not the curve
    const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    });
    const keyed = () => new SecretSignerSource({ 'x509.pem': Buffer.from(pem) });
    const x509 = () => keylessConfig.current.signers.x509;
    const keyless = () => new SecretSignerSource(undefined, { x509 });
    // Chains' own behaviour: the signer is rebuilt for every signature, so a new key and certificate each time
    const ctx: SignerContext = { secret: undefined, x509: x509() };
    const perSignature: SignerSource = { current: (name) => loadSigner(name, ctx) };

    await measure(stack, image, keyConfig, keyed(), 100); // warm-up: JIT, connections, the log's first pages
    await measure(stack, image, keylessConfig, keyless(), 100);
    const ratios: number[] = [];
    const cpuRatios: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      // alternate which goes first: a neighbour's load burst should not always fall on the same side
      const source = keyless();
      const both =
        round % 2
          ? [
              await measure(stack, image, keyConfig, keyed(), RUNS),
              await measure(stack, image, keylessConfig, source, RUNS),
            ]
          : [
              await measure(stack, image, keylessConfig, source, RUNS),
              await measure(stack, image, keyConfig, keyed(), RUNS),
            ].reverse();
      const [k, kl] = both as [Result, Result];
      console.log(fmt(`round ${round}, key pair`, k, RUNS));
      console.log(`${fmt(`round ${round}, keyless`, kl, RUNS)}; ${source.issued} certificate(s)`);
      ratios.push(kl.rate / k.rate);
      // on a CPU-bound deployment the rate is what the CPU allows: total CPU per run, controller and services
      cpuRatios.push((k.cpuMs + k.stackCpuMs) / (kl.cpuMs + kl.stackCpuMs));
      console.log(
        `round ${round}: keyless / key pair = ${(kl.rate / k.rate).toFixed(2)} (wall clock), ` +
          `${(cpuRatios.at(-1) ?? NaN).toFixed(2)} (CPU per run)`,
      );
    }
    const chainsStyle = await measure(stack, image, keylessConfig, perSignature, Math.ceil(RUNS / 4));
    console.log(
      fmt('keyless, a new key and certificate per signature (as Chains)', chainsStyle, Math.ceil(RUNS / 4)),
    );
    console.log(
      `keyless / key pair, median of ${ROUNDS} rounds: ${median(ratios).toFixed(2)} runs/s, ` +
        `${median(cpuRatios).toFixed(2)} by CPU per run (goal ≥ 0.80, one certificate reused)`,
    );
  } finally {
    stack.close();
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await bench();
