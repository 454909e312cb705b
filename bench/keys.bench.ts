import { generateKeyPairSync, sign } from 'node:crypto';
import { preAuthEncoding } from '../src/core/dsse.ts';
import { encryptPrivateKey, loadPrivateKey, privateKeyMaterial, SCRYPT_PARAMS } from '../src/keys/index.ts';
import { KeySigner, signDsse } from '../src/signing/index.ts';

const PAYLOAD_TYPE = 'application/vnd.in-toto+json';

/** A ~4 KiB in-toto statement, the size of a typical Chains SLSA provenance. */
function statement(): Buffer {
  const materials = Array.from({ length: 24 }, (_, i) => ({
    uri: `oci://registry.example.com/tekton/step-${i}`,
    digest: { sha256: `${i}`.padStart(64, 'a') },
  }));
  const doc = {
    _type: 'https://in-toto.io/Statement/v0.1',
    predicateType: 'https://slsa.dev/provenance/v0.2',
    subject: [{ name: 'registry.example.com/app', digest: { sha256: 'b'.repeat(64) } }],
    predicate: {
      builder: { id: 'https://tekton.dev/chains/v2' },
      buildType: 'tekton.dev/v1/TaskRun',
      materials,
    },
  };
  const text = JSON.stringify(doc);
  return Buffer.from(text.padEnd(4096, ' '));
}

/** Operations per second of `op` over about `ms` milliseconds (after a short warm-up). */
async function rate(op: () => unknown, ms = 1500): Promise<number> {
  for (let i = 0; i < 200; i++) await op();
  let n = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(ms) * 1_000_000n;
  while (process.hrtime.bigint() < end) {
    for (let i = 0; i < 50; i++) await op();
    n += 50;
  }
  return n / (Number(process.hrtime.bigint() - start) / 1e9);
}

async function timeMs(op: () => Promise<unknown>): Promise<number> {
  const t = process.hrtime.bigint();
  await op();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

export default async function bench(): Promise<void> {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const stmt = statement();
  const pae = preAuthEncoding(PAYLOAD_TYPE, stmt);
  const signer = new KeySigner(privateKeyMaterial(privateKey));

  // The machine is shared: alternate short rounds, keep each side's best rate and the median paired ratio.
  let raw = 0;
  let ours = 0;
  const ratios: number[] = [];
  for (let round = 0; round < 10; round++) {
    const r = await rate(() => sign('sha256', pae, privateKey), 200);
    const o = await rate(() => signDsse(signer, PAYLOAD_TYPE, stmt), 200);
    [raw, ours] = [Math.max(raw, r), Math.max(ours, o)];
    ratios.push(o / r);
  }
  const median = ratios.sort((a, b) => a - b)[ratios.length >> 1] ?? 0;
  console.log(`statement: ${stmt.length} bytes`);
  console.log(`raw node:crypto ECDSA P-256 sign (PAE bytes): ${raw.toFixed(0)} ops/s (best round)`);
  console.log(`signDsse (PAE + sign + base64 + envelope JSON): ${ours.toFixed(0)} ops/s (best round)`);
  console.log(
    `ratio signDsse/raw: best ${(ours / raw).toFixed(2)}, median of paired rounds ${median.toFixed(2)} (goal >= 0.7)`,
  );

  for (const [name, params] of Object.entries(SCRYPT_PARAMS)) {
    const pem = await encryptPrivateKey(privateKey, 'bench-password', params);
    const ms = await timeMs(() => loadPrivateKey(pem, 'bench-password'));
    console.log(`key load (scrypt ${name} N=${params.N}): ${ms.toFixed(0)} ms`);
  }
  const plain = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  console.log(`key load (plain PKCS#8): ${(await timeMs(() => loadPrivateKey(plain, ''))).toFixed(2)} ms`);
}
