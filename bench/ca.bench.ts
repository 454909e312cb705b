import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CertificateAuthority, initCa, loadCa, parseV2 } from '../src/ca/index.ts';
import { TokenVerifier, singleIssuer } from '../src/oidc/index.ts';
import { mintToken, startIssuerServer } from '../src/oidc/issuer/index.ts';
import { CHAINS_JS, CHAINS_NODE_FLAGS, cpuMs } from './proc.ts';

const SUB = 'system:serviceaccount:ns:sa';
const CLIENTS = 8;

/** ops/s of a synchronous operation over `ms` milliseconds. */
function rate(op: () => unknown, ms = 1500): number {
  for (let i = 0; i < 50; i++) op();
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    op();
    n++;
  }
  return (n * 1000) / (performance.now() - t0);
}

/** Start `chains <args>` (the same command line as bin/chains) and wait for its "listening on URL" line. */
async function serve(args: string[]): Promise<{ child: ChildProcess; url: string }> {
  const node = [...CHAINS_NODE_FLAGS, CHAINS_JS];
  const child = spawn(process.execPath, [...node, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, CHAINS_CA_PASSWORD: '' },
  });
  const url = await new Promise<string>((res, rej) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (\S+)/.exec(out);
      if (m?.[1]) res(m[1]);
    });
    child.once('exit', (c) => rej(new Error(`${args[0] ?? ''} exited ${c}`)));
  });
  return { child, url };
}

/** What sigstore-js posts: a fresh P-256 key, the proof over the subject, the token in the body. */
function request(token: string, key: KeyObject): string {
  return JSON.stringify({
    credentials: { oidcIdentityToken: token },
    publicKeyRequest: {
      publicKey: {
        algorithm: 'ECDSA',
        content: createPublicKey(key).export({ type: 'spki', format: 'pem' }),
      },
      proofOfPossession: sign('sha256', Buffer.from(SUB), key).toString('base64'),
    },
  });
}

/** CLIENTS concurrent clients for `ms`; certificates per second (every answer must be a 200 with an SCT). */
async function load(url: string, bodies: string[], ms: number): Promise<number> {
  let done = 0;
  const end = Date.now() + ms;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, c) => {
      for (let i = c; Date.now() < end; i += CLIENTS) {
        const r = await fetch(`${url}/api/v2/signingCert`, {
          method: 'POST',
          body: bodies[i % bodies.length],
        });
        const text = await r.text();
        if (r.status !== 200 || !text.includes('signedCertificateEmbeddedSct'))
          throw new Error(`HTTP ${r.status}: ${text.slice(0, 200)}`);
        done++;
      }
    }),
  );
  return (done * 1000) / (performance.now() - t0);
}

export default async function bench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-ca-'));
  const issuer = await startIssuerServer({ dir: join(dir, 'oidc'), addr: '127.0.0.1:0' });
  const token = await mintToken({ dir: join(dir, 'oidc'), kubernetesSa: 'ns/sa', ttlSec: 3600 });
  const bodies = Array.from({ length: 256 }, () =>
    request(token, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey),
  );

  // yardstick: raw node:crypto ECDSA signatures (the CA key is P-384; a certificate costs two of them)
  const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey;
  const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const tbs = randomBytes(700);
  const raw384 = rate(() => sign('sha384', tbs, p384));
  const raw256 = rate(() => sign('sha256', tbs, p256));

  // in process, no HTTP, no CT: token verify (JWKS cached) + proof + one certificate, P-384 and P-256 CAs
  const caDir = join(dir, 'ca');
  await initCa(caDir);
  await initCa(join(dir, 'ca256'), { curve: 'P-256' });
  const verifier = new TokenVerifier(
    singleIssuer({ issuerUrl: issuer.url, clientId: 'sigstore', type: 'kubernetes' }),
  );
  const inProcess = async (caPath: string): Promise<number> => {
    const authority = new CertificateAuthority(await loadCa(caPath), verifier);
    const one = (i: number): Promise<unknown> =>
      authority.issue(parseV2(Buffer.from(bodies[i % bodies.length] ?? ''), undefined));
    for (let i = 0; i < 30; i++) await one(i);
    let n = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < 2000) await one(n++);
    return (n * 1000) / (performance.now() - t0);
  };
  const in384 = await inProcess(caDir);
  const in256 = await inProcess(join(dir, 'ca256'));

  // the real thing: chains ctlog serve + chains ca serve --ctlog-url, concurrent HTTP clients
  writeFileSync(
    join(dir, 'issuers.yaml'),
    `oidc-issuers:\n  ${issuer.url}:\n    issuer-url: ${issuer.url}\n    client-id: sigstore\n    type: kubernetes\n`,
  );
  const ct = await serve([
    'ctlog',
    'serve',
    '--dir',
    join(dir, 'ct'),
    '--addr',
    '127.0.0.1:0',
    '--roots',
    join(caDir, 'root.pem'),
  ]);
  const ca = await serve([
    'ca',
    'serve',
    '--dir',
    caDir,
    '--addr',
    '127.0.0.1:0',
    '--config',
    join(dir, 'issuers.yaml'),
    '--ctlog-url',
    ct.url,
  ]);
  await load(ca.url, bodies, 1000); // warm-up
  const cpu0 = [cpuMs(ca.child.pid), cpuMs(ct.child.pid)];
  const t0 = performance.now();
  const http = await load(ca.url, bodies, 5000);
  const wall = performance.now() - t0;
  const certs = (http * wall) / 1000;
  const caCpu = (cpuMs(ca.child.pid) - (cpu0[0] ?? 0)) / certs;
  const ctCpu = (cpuMs(ct.child.pid) - (cpu0[1] ?? 0)) / certs;
  ca.child.kill('SIGTERM');
  ct.child.kill('SIGTERM');
  await issuer.close();

  const f = (x: number): string => x.toFixed(0).padStart(7);
  console.log(`raw node:crypto ECDSA sign, 700-byte TBS:   P-384 ${f(raw384)}/s   P-256 ${f(raw256)}/s`);
  console.log(
    `in process (token + PoP + cert), P-384 CA: ${f(in384)} certs/s   ratio to raw P-384 sign ${(in384 / raw384).toFixed(2)}`,
  );
  console.log(
    `in process (token + PoP + cert), P-256 CA: ${f(in256)} certs/s   ratio to raw P-256 sign ${(in256 / raw256).toFixed(2)}`,
  );
  console.log(
    `HTTP, ${CLIENTS} clients, precert → CT log → cert: ${f(http)} certs/s   ratio to raw P-384 sign ${(http / raw384).toFixed(2)}` +
      `   CPU per cert: CA ${caCpu.toFixed(2)} ms, CT log ${ctCpu.toFixed(2)} ms`,
  );
}
