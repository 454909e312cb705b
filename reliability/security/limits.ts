import { connect } from 'node:net';
import { join } from 'node:path';
import { startRegistryServer } from '../../src/registry/server/server.ts';
import { startLogServer } from '../../src/tlog/server/index.ts';
import { sha256Hex, tempDir } from '../lib/common.ts';
import { LoopbackClient } from '../lib/http.ts';
import type { Check } from './run.ts';

const KIB = 1024;

/** Send a request whose body is streamed without Content-Length (chunked) and return the status (0: reset). */
async function chunked(url: string, method: string, total: number): Promise<number> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const s = connect(Number(u.port), u.hostname, () => {
      s.write(
        `${method} ${u.pathname}${u.search} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n`,
      );
      const chunk = Buffer.alloc(16 * KIB, 0x61);
      let sent = 0;
      const pump = (): void => {
        while (sent < total) {
          sent += chunk.length;
          if (!s.write(`${chunk.length.toString(16)}\r\n${chunk.toString()}\r\n`))
            return void s.once('drain', pump);
        }
        s.write('0\r\n\r\n');
      };
      pump();
    });
    let head = '';
    s.on('data', (d: Buffer) => {
      head += d.toString();
      const m = /^HTTP\/1\.1 (\d+)/.exec(head);
      if (m) {
        resolve(Number(m[1]));
        s.destroy();
      }
    });
    s.on('error', () => resolve(0));
    s.on('close', () => resolve(0));
  });
}

/** Request size limits of the log and the registry (small limits so the checks are quick), plus header limits. */
export async function limitChecks(): Promise<Check[]> {
  const work = tempDir('limits');
  const log = await startLogServer({
    dbPath: join(work, 'log.db'),
    addr: '127.0.0.1:0',
    maxBodyBytes: 64 * KIB,
  });
  const reg = await startRegistryServer({
    addr: '127.0.0.1:0',
    dir: join(work, 'reg'),
    maxManifestBytes: 64 * KIB,
    maxBlobBytes: 256 * KIB,
  });
  const http = new LoopbackClient(4);
  const out: Check[] = [];
  const check = (name: string, ok: boolean, detail: string): void => void out.push({ name, ok, detail });
  try {
    const big = Buffer.alloc(64 * KIB + 1, 0x61);
    const size0 = log.log.checkpoint.size;
    let r = await http.request('POST', `${log.url}/api/v1/log/entries`, big, {
      'content-type': 'application/json',
    });
    check('log: body over --max-body-bytes (Content-Length) -> 413', r.status === 413, `HTTP ${r.status}`);
    const c = await chunked(`${log.url}/api/v1/log/entries`, 'POST', 1024 * KIB);
    check('log: chunked body over the cap -> 413 or reset, not 2xx/5xx', c === 413 || c === 0, `HTTP ${c}`);
    r = await http.request('GET', `${log.url}/api/v1/log`);
    check(
      'log: still serving after oversized bodies, nothing written',
      r.status === 200 && log.log.checkpoint.size === size0,
      `HTTP ${r.status}, tree size ${log.log.checkpoint.size}`,
    );
    r = await http.request('PUT', `${reg.url}/v2/a/b/manifests/latest`, big, {
      'content-type': 'application/vnd.oci.image.manifest.v1+json',
    });
    check('registry: manifest over the manifest limit -> 413', r.status === 413, `HTTP ${r.status}`);
    const blob = Buffer.alloc(256 * KIB + 1, 0x62);
    r = await http.request('POST', `${reg.url}/v2/a/b/blobs/uploads/?digest=sha256:${sha256Hex(blob)}`, blob);
    check('registry: monolithic blob over the blob limit -> 413', r.status === 413, `HTTP ${r.status}`);
    const start = await http.request('POST', `${reg.url}/v2/a/b/blobs/uploads/`);
    const loc = String(start.headers.location);
    const half = Buffer.alloc(200 * KIB, 0x63);
    const p1 = await http.request('PATCH', `${reg.url}${loc}`, half, {
      'content-type': 'application/octet-stream',
    });
    const p2 = await chunked(`${reg.url}${loc}`, 'PATCH', 200 * KIB);
    check(
      'registry: chunked upload session over the blob limit -> 413',
      p1.status === 202 && (p2 === 413 || p2 === 0),
      `PATCH 1: ${p1.status}, PATCH 2: ${p2}`,
    );
    const c2 = await chunked(`${reg.url}/v2/a/b/manifests/x`, 'PUT', 1024 * KIB);
    check('registry: chunked manifest over the limit -> 413 or reset', c2 === 413 || c2 === 0, `HTTP ${c2}`);
    r = await http.request('GET', `${reg.url}/v2/a/b/manifests/latest`, undefined, {
      'x-big': 'a'.repeat(32 * KIB),
    });
    check('registry: 32 KiB request header -> 431', r.status === 431, `HTTP ${r.status}`);
    r = await http.request('GET', `${log.url}/api/v1/log`, undefined, { 'x-big': 'a'.repeat(32 * KIB) });
    check('log: 32 KiB request header -> 431', r.status === 431, `HTTP ${r.status}`);
    let sessions = 0;
    for (let i = 0; i < 1100; i++) {
      const s = await http.request('POST', `${reg.url}/v2/a/c/blobs/uploads/`);
      if (s.status === 202) sessions++;
      else break;
    }
    check(
      'registry: open upload sessions are capped (429 beyond)',
      sessions <= 1000,
      `${sessions} sessions opened before refusal`,
    );
    const t = reg.server;
    check(
      'registry: header/request timeouts set (slowloris)',
      t.headersTimeout > 0 && t.requestTimeout > 0,
      `headersTimeout ${t.headersTimeout} ms, requestTimeout ${t.requestTimeout} ms`,
    );
  } finally {
    http.close();
    await reg.close();
    await log.close();
  }
  return out;
}
