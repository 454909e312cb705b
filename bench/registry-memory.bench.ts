import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHAINS_JS, CHAINS_NODE_FLAGS, freePort } from './proc.ts';

/**
 * Memory per stored image of the embedded registry: `chains registry serve --dir` (SQLite, key index on disk)
 * next to the in-memory store (every value on the heap) as the yardstick, each in its own process, pushed the
 * same images in rounds. Prints the registry's RSS after each round and its growth per 1,000 images after the
 * first round (warm-up: JIT, SQLite page cache, sockets). docs/design/oci.md has the figures.
 */

const ROUNDS = Number(process.env.REGMEM_ROUNDS ?? 5);
const PER_ROUND = Number(process.env.REGMEM_IMAGES ?? 2000);
const WORKERS = 8;

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

function rssMiB(pid: number | undefined): number {
  const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) / 1024;
}

async function startRegistry(dir: string | undefined): Promise<{ host: string; pid?: number; stop(): void }> {
  const host = `127.0.0.1:${await freePort()}`;
  const store = dir ? ['--dir', dir] : [];
  const args = [...CHAINS_NODE_FLAGS, CHAINS_JS, 'registry', 'serve', ...store, '--addr', host];
  const child = spawn(process.execPath, args, { stdio: 'ignore' });
  for (let i = 0; i < 200; i++) {
    const up = await fetch(`http://${host}/v2/`).then(
      () => true,
      () => false,
    );
    if (up) return { host, pid: child.pid, stop: () => void child.kill('SIGINT') };
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill();
  throw new Error('registry did not start');
}

/** One image: a 1 KiB layer and its config, pushed with `POST ?digest=`, then the manifest by a new tag. */
async function pushImage(host: string, n: number): Promise<void> {
  const layer = randomBytes(1024);
  const config = Buffer.from(JSON.stringify({ os: 'linux', n, layer: sha256(layer).slice(0, 8) }));
  const repo = `mem/app${n % 16}`;
  for (const b of [layer, config]) {
    const r = await fetch(`http://${host}/v2/${repo}/blobs/uploads/?digest=sha256:${sha256(b)}`, {
      method: 'POST',
      body: b,
      headers: { 'content-type': 'application/octet-stream' },
    });
    await r.arrayBuffer();
    if (r.status !== 201) throw new Error(`blob push: ${r.status}`);
  }
  const desc = (mediaType: string, b: Buffer) => ({
    mediaType,
    digest: `sha256:${sha256(b)}`,
    size: b.length,
  });
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: desc('application/vnd.oci.image.config.v1+json', config),
    layers: [desc('application/vnd.oci.image.layer.v1.tar', layer)],
  });
  const r = await fetch(`http://${host}/v2/${repo}/manifests/t${n}`, {
    method: 'PUT',
    body: manifest,
    headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
  });
  await r.arrayBuffer();
  if (r.status !== 201) throw new Error(`manifest push: ${r.status}`);
}

async function pushRound(host: string, from: number): Promise<void> {
  let next = from;
  const worker = async (): Promise<void> => {
    for (let n = next++; n < from + PER_ROUND; n = next++) await pushImage(host, n);
  };
  await Promise.all(Array.from({ length: WORKERS }, worker));
}

/** RSS after each round, and its growth per 1,000 images from the end of the first round to the end of the last. */
async function measure(label: string, dir: string | undefined): Promise<number> {
  const reg = await startRegistry(dir);
  const rss: number[] = [];
  try {
    for (let i = 0; i < ROUNDS; i++) {
      await pushRound(reg.host, i * PER_ROUND);
      await new Promise((r) => setTimeout(r, 500)); // let the registry finish its writes and collect
      rss.push(rssMiB(reg.pid));
    }
  } finally {
    reg.stop();
  }
  const perK = ((rss.at(-1)! - rss[0]!) / ((ROUNDS - 1) * PER_ROUND)) * 1000;
  console.log(
    `${label}: RSS after each ${PER_ROUND} images ${rss.map((m) => m.toFixed(1)).join(' → ')} MiB; ` +
      `growth after the first round ${perK.toFixed(2)} MiB per 1,000 images`,
  );
  return perK;
}

export default async function bench(): Promise<void> {
  if (ROUNDS < 2) throw new Error('REGMEM_ROUNDS must be at least 2');
  const dir = mkdtempSync(join(tmpdir(), 'chains-bench-regmem-'));
  try {
    const memory = await measure('in-memory store (yardstick)', undefined);
    const files = await measure('--dir store (SQLite)', join(dir, 'store'));
    console.log(
      `--dir growth per image / in-memory growth per image: ${(files / memory).toFixed(2)} ` +
        `(${ROUNDS} rounds of ${PER_ROUND} images, ${WORKERS} pushers)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
