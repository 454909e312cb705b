import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { privateKeyMaterial } from '../src/keys/index.ts';
import { KeySigner, signSimpleSigning } from '../src/signing/index.ts';
import { RegistryClient } from '../src/registry/registry.ts';
import { startRegistryServer } from '../src/registry/server/server.ts';
import type { ImageTarget } from '../src/storage/backend.ts';
import { OciStorageBackend } from '../src/storage/oci/backend.ts';
import { verifyImageSignatures } from '../src/verify/image.ts';
import { startRegistries } from '../test/setup/registries.ts';
import { pushRandomImage } from '../test/oci/helpers.ts';

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

/** Sign + push throughput and verify latency against Debian docker-registry and the embedded registry. */
export default async function bench(): Promise<void> {
  const signer = new KeySigner(
    privateKeyMaterial(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey),
  );
  const n = Number(process.env.OCI_BENCH_IMAGES ?? 60);
  const dir = mkdtempSync(join(tmpdir(), 'chains-bench-reg-'));
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
