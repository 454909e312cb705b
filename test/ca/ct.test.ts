import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initCa } from '../../src/ca/index.ts';
import { startCtLogServer } from '../../src/ctlog/server/index.ts';
import type { RunningCtLog } from '../../src/ctlog/server/index.ts';
import {
  OID_CT_POISON,
  OID_SCT_LIST,
  certificateExtensions,
  ctLogKey,
  verifyEmbeddedScts,
} from '../../src/ctlog/sct/index.ts';
import { mintToken } from '../../src/oidc/issuer/index.ts';
import { BIN } from '../keys/helpers.ts';
import { tempDir } from '../oidc/helpers.ts';
import { caWith, post, startStack, v2Request } from './helpers.ts';
import type { Stack } from './helpers.ts';

const SUB = 'system:serviceaccount:ns:sa';
let caDir: string;
let ct: RunningCtLog;
let s: Stack;
const closers: (() => unknown)[] = [];

beforeAll(async () => {
  caDir = tempDir('ca-');
  await initCa(caDir);
  ct = await startCtLogServer({
    dir: tempDir('ct-'),
    addr: '127.0.0.1:0',
    rootsPem: readFileSync(join(caDir, 'root.pem'), 'utf8'),
  });
  s = await startStack('kubernetes', { url: ct.url, publicKey: ct.publicKeyPem, timeoutMs: 5000 }, {}, caDir);
});
afterAll(async () => {
  for (const c of closers) await c();
  await s?.close();
  await ct?.close();
});

const token = (): Promise<string> => mintToken({ dir: s.issuerDir, kubernetesSa: 'ns/sa' });
const treeSize = async (): Promise<number> =>
  ((await (await fetch(`${ct.url}/ct/v1/get-sth`)).json()) as { tree_size: number }).tree_size;

interface Embedded {
  signedCertificateEmbeddedSct?: { chain: { certificates: string[] } };
  code?: number;
  message?: string;
  details?: { reason: string }[];
}

async function issue(url: string): Promise<{ status: number; body: Embedded }> {
  const res = await post(`${url}/api/v2/signingCert`, v2Request(await token(), SUB).body);
  return { status: res.status, body: (await res.json()) as Embedded };
}

describe('issuance through a real CT log (precertificate → SCT → final certificate)', () => {
  it('embeds an SCT that verifies with the CT log key; the precertificate is in the log', async () => {
    const before = await treeSize();
    const r = await issue(s.ca.url);
    expect(r.status).toBe(200);
    const chain = r.body.signedCertificateEmbeddedSct?.chain.certificates ?? [];
    expect(chain).toHaveLength(3);
    const [leaf, inter] = chain.map((p) => new X509Certificate(p));
    if (!leaf || !inter) throw new Error('chain');
    const exts = certificateExtensions(leaf.raw);
    expect(exts.map((e) => e.oid)).toContain(OID_SCT_LIST);
    expect(exts.at(-1)?.oid).toBe(OID_SCT_LIST); // last, non-critical
    expect(exts.at(-1)?.critical).toBe(false);
    expect(exts.map((e) => e.oid)).not.toContain(OID_CT_POISON);
    // the SCT signs the final TBS minus the SCT list = the precert TBS minus the poison (RFC 6962 §3.2)
    const scts = verifyEmbeddedScts(leaf.raw, inter.raw, [ctLogKey(ct.publicKeyPem)]);
    expect(scts).toHaveLength(1);
    expect(scts[0]?.timestamp).toBeGreaterThanOrEqual(new Date(leaf.validFrom).getTime() - 1000);
    expect(await treeSize()).toBe(before + 1);
    // the leaf still chains with openssl
    const dir = tempDir('ct-verify-');
    chain.forEach((p, i) => writeFileSync(join(dir, `${i}.pem`), p));
    const out = execFileSync(
      'openssl',
      [
        'verify',
        '-purpose',
        'any',
        '-CAfile',
        join(dir, '2.pem'),
        '-untrusted',
        join(dir, '1.pem'),
        join(dir, '0.pem'),
      ],
      {
        encoding: 'utf8',
      },
    );
    expect(out).toMatch(/: OK/);
  });

  it('concurrent issuances: each certificate has its own SCT and log entry', async () => {
    const before = await treeSize();
    const results = await Promise.all(Array.from({ length: 12 }, () => issue(s.ca.url)));
    expect(results.map((r) => r.status)).toEqual(Array(12).fill(200));
    const serials = new Set(
      results.map(
        (r) =>
          new X509Certificate(r.body.signedCertificateEmbeddedSct?.chain.certificates[0] ?? '').serialNumber,
      ),
    );
    expect(serials.size).toBe(12);
    expect(await treeSize()).toBe(before + 12);
  });
});

describe('no certificate without its SCT: CT failures are a coded 503', () => {
  async function failing(
    url: string | undefined,
    more: { timeoutMs?: number; publicKey?: string } = {},
  ): Promise<{ reason: string; body: Embedded; status: number }> {
    const ca = await caWith(s, {
      url: url ?? ct.url,
      timeoutMs: more.timeoutMs ?? 2000,
      publicKey: more.publicKey,
    });
    closers.push(() => ca.close());
    const r = await issue(ca.url);
    return { status: r.status, body: r.body, reason: r.body.details?.[0]?.reason ?? '' };
  }

  const expectNoCert = (r: { status: number; body: Embedded }): void => {
    expect(r.status).toBe(503);
    expect(r.body.code).toBe(14);
    expect(r.body.message).toMatch(/^Error entering certificate in CTL/);
    expect(JSON.stringify(r.body)).not.toMatch(/BEGIN CERTIFICATE/);
  };

  it('down (nothing listening)', async () => {
    const before = await treeSize();
    const r = await failing('http://127.0.0.1:9');
    expectNoCert(r);
    expect(r.reason).toBe('CT_LOG_UNAVAILABLE');
    expect(await treeSize()).toBe(before);
  });

  it('slow: a real chains ctlog serve, stopped (SIGSTOP) mid-flight, times out', async () => {
    const dir = tempDir('ct-slow-');
    const child: ChildProcess = spawn(
      BIN,
      ['ctlog', 'serve', '--dir', dir, '--addr', '127.0.0.1:0', '--roots', join(caDir, 'root.pem')],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    closers.push(() => child.kill('SIGKILL'));
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /ctlog listening on (\S+)/.exec(out);
        if (m?.[1]) resolve(m[1]);
      });
      child.once('exit', (c) => reject(new Error(`ctlog exited ${c}`)));
    });
    const ok = await failing(url).catch(() => null);
    expect(ok?.status).toBe(200); // it works while running
    child.kill('SIGSTOP');
    const t0 = Date.now();
    const r = await failing(url, { timeoutMs: 800 });
    expect(Date.now() - t0).toBeLessThan(5000);
    child.kill('SIGCONT');
    expectNoCert(r);
    expect(r.reason).toBe('CT_LOG_UNAVAILABLE');
  });

  it('garbage answers, a refusing log, an SCT that does not verify', async () => {
    const answers: [number, string][] = [
      [200, '<html>hello</html>'],
      [
        200,
        JSON.stringify({ sct_version: 0, id: 'AAAA', timestamp: 1, extensions: '', signature: 'BAMAAA==' }),
      ],
      [200, JSON.stringify({ sct_version: 1 })],
      [500, 'internal'],
    ];
    let i = 0;
    const junk: Server = createServer((req, res) => {
      req.resume();
      const [status, body] = answers[i++ % answers.length] ?? [500, ''];
      res.writeHead(status, { 'Content-Type': 'application/json' }).end(body);
    });
    await new Promise<void>((r) => junk.listen(0, '127.0.0.1', () => r()));
    closers.push(() => new Promise((r) => junk.close(r)));
    const junkUrl = `http://127.0.0.1:${(junk.address() as AddressInfo).port}`;
    const reasons: string[] = [];
    for (let k = 0; k < answers.length; k++) {
      const r = await failing(junkUrl);
      expectNoCert(r);
      reasons.push(r.reason);
    }
    expect(reasons).toEqual(['CT_SCT_INVALID', 'CT_SCT_INVALID', 'CT_SCT_INVALID', 'CT_LOG_UNAVAILABLE']);

    // a real log that does not accept this CA's root
    const stranger = await startCtLogServer({ dir: tempDir('ct-x-'), addr: '127.0.0.1:0', rootsPem: '' });
    closers.push(() => stranger.close());
    const refused = await failing(stranger.url);
    expectNoCert(refused);
    expect(refused.reason).toBe('CT_LOG_REJECTED');

    // the real log, but the CA expects another log key: the SCT is not embedded
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .publicKey.export({ type: 'spki', format: 'pem' })
      .toString();
    const mismatch = await failing(ct.url, { publicKey: other });
    expectNoCert(mismatch);
    expect(mismatch.reason).toMatch(/^CT_SCT_(UNKNOWN_LOG|SIGNATURE)$/);
  });
});
