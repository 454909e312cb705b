import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { preAuthEncoding } from '../../src/core/dsse.ts';
import { proposeDsse, proposeHashedRekord } from '../../src/tlog/client/index.ts';
import type { ProposedEntry } from '../../src/tlog/client/index.ts';

/** Options every sub-suite gets: `quick` shrinks counts and durations (CI, development). */
export interface SuiteOptions {
  quick: boolean;
  /** multiplies input counts (e.g. `--scale 0.1`) */
  scale: number;
  seed: number;
}

export interface SuiteResult {
  ok: boolean;
  /** headline figures, printed by the runner's summary and copied into docs/design/reliability.md */
  figures: Record<string, string | number>;
}

export type Suite = (o: SuiteOptions) => Promise<SuiteResult>;

export const ROOT = resolve(import.meta.dirname, '../..');
export const CHAINS_BIN = join(ROOT, 'bin/chains');

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A reproducible [0, 1) sequence from the suite's --seed (a linear congruential generator, glibc's constants). */
export function seededRandom(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

export interface LoadUntilKill {
  workers: number;
  /** ms of load before `kill` */
  killAt: number;
  /** worker 0's every 20th step: read and remember the signed tree head */
  checkHead: () => Promise<void>;
  /** every other step: one submission, resolved once acknowledged (and checked) */
  submit: () => Promise<void>;
  kill: () => Promise<void>;
  /** a step that failed before the kill (after it, failures are expected); that worker stops */
  failed: (e: Error) => void;
}

/**
 * The crash suites' load: `workers` concurrent clients until `killAt` ms, then `kill()` while requests are in
 * flight. Resolves how many submissions were acknowledged, the kill's own cycle included.
 */
export async function loadUntilKill(o: LoadUntilKill): Promise<number> {
  let killed = false;
  let acknowledged = 0;
  const worker = async (w: number): Promise<void> => {
    for (let i = 0; !killed; i++) {
      try {
        if (w === 0 && i % 20 === 0) await o.checkHead();
        else {
          await o.submit();
          acknowledged++;
        }
      } catch (e) {
        if (!killed) o.failed(e as Error);
        return;
      }
    }
  };
  const running = Array.from({ length: o.workers }, (_, w) => worker(w));
  await sleep(o.killAt);
  killed = true;
  await o.kill();
  await Promise.all(running);
  return acknowledged;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `chains-rel-${prefix}-`));
}

export const sha256Hex = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');

/** Percentile (nearest rank) of unsorted samples; 0 when empty. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return 0;
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? 0;
}

/** Resident set size of a process in MiB (Linux /proc), NaN when it is gone. */
export function rssMiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

export const fmt = (n: number, digits = 1): string =>
  Number.isFinite(n) ? n.toFixed(digits).replace(/\.0+$/, '') : 'n/a';

export function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

export interface ChainsChild {
  child: ChildProcess;
  /** everything the child wrote to stdout and stderr so far */
  output(): string;
  /** resolves with the first capture group of `ready` on stdout */
  ready: Promise<string>;
  /** SIGKILL and wait for the exit */
  kill9(): Promise<void>;
  /** SIGTERM and wait for the exit (SIGKILL after 5 s) */
  stop(): Promise<void>;
}

/** Run `./bin/chains ARGS` as a child process and wait for output (stdout or stderr) matching `ready`. */
export function spawnChains(args: string[], ready: RegExp, env: NodeJS.ProcessEnv = {}): ChainsChild {
  const child = spawn(CHAINS_BIN, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let out = '';
  let exited = child.exitCode !== null;
  const gone = new Promise<void>((r) =>
    child.once('exit', () => {
      exited = true;
      r();
    }),
  );
  const readyP = new Promise<string>((res, rej) => {
    const onData = (d: Buffer): void => {
      out += d.toString();
      const m = ready.exec(out);
      if (m) res(m[1] ?? m[0]);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code, sig) => rej(new Error(`chains ${args[0]} exited (${code ?? sig}): ${out}`)));
  });
  readyP.catch(() => undefined);
  const kill = async (sig: NodeJS.Signals): Promise<void> => {
    if (!exited) child.kill(sig);
    await gone;
  };
  return {
    child,
    output: () => out,
    ready: readyP,
    kill9: () => kill('SIGKILL'),
    stop: async () => {
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await kill('SIGTERM');
      clearTimeout(t);
    },
  };
}

/** Start `chains tlog serve` on a free loopback port; resolves with the child and its base URL. */
export async function startLogChild(
  db: string,
  extra: string[] = [],
  env: NodeJS.ProcessEnv = {},
): Promise<ChainsChild & { url: string }> {
  const c = spawnChains(
    ['tlog', 'serve', '--addr', '127.0.0.1:0', '--db', db, ...extra],
    /listening on (\S+)/,
    env,
  );
  return { ...c, url: await c.ready };
}

/** Start `chains registry serve` on a free loopback port; resolves with the child and `host:port`. */
export async function startRegistryChild(
  dir: string | undefined,
  extra: string[] = [],
  env: NodeJS.ProcessEnv = {},
): Promise<ChainsChild & { host: string }> {
  const args = ['registry', 'serve', '--addr', '127.0.0.1:0', ...(dir ? ['--dir', dir] : []), ...extra];
  const c = spawnChains(args, /(127\.0\.0\.1:\d+)/, env);
  return { ...c, host: await c.ready };
}

/** A throwaway ECDSA P-256 signer producing unique, valid proposed entries for load and crash runs. */
export class EntryFactory {
  readonly privateKey: KeyObject;
  readonly publicKeyPem: string;
  private n = 0;

  constructor(private readonly tag = Math.random().toString(36).slice(2)) {
    const kp = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.privateKey = kp.privateKey;
    this.publicKeyPem = kp.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  }

  /** hashedrekord over a fresh artifact digest. */
  hashedRekord(): ProposedEntry {
    const artifact = `${this.tag}-${this.n++}`;
    const sig = sign('sha256', Buffer.from(artifact), this.privateKey).toString('base64');
    return proposeHashedRekord(sha256Hex(artifact), sig, this.publicKeyPem);
  }

  /** dsse over a fresh in-toto statement. */
  dsse(): ProposedEntry {
    const statement = {
      _type: 'https://in-toto.io/Statement/v0.1',
      predicateType: 'https://slsa.dev/provenance/v0.2',
      subject: [{ name: 'reg.example/app', digest: { sha256: sha256Hex(`${this.tag}-${this.n++}`) } }],
      predicate: { builder: { id: 'https://tekton.dev/chains/v2' } },
    };
    const payload = Buffer.from(JSON.stringify(statement));
    const type = 'application/vnd.in-toto+json';
    const sig = sign('sha256', preAuthEncoding(type, payload), this.privateKey).toString('base64');
    const env = JSON.stringify({
      payloadType: type,
      payload: payload.toString('base64'),
      signatures: [{ sig }],
    });
    return proposeDsse(env, this.publicKeyPem);
  }

  next(): ProposedEntry {
    return this.n % 3 === 0 ? this.dsse() : this.hashedRekord();
  }
}

/** NODE_OPTIONS of the deployed image (the Dockerfile's ENV line), so servers under test run as deployed. */
export function deployedNodeOptions(): NodeJS.ProcessEnv {
  const m = /^ENV NODE_OPTIONS=(.+)$/m.exec(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
  return m?.[1] ? { NODE_OPTIONS: m[1].trim() } : {};
}
