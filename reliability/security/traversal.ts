import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join, relative } from 'node:path';
import { ChainsError } from '../../src/core/errors.ts';
import { SqliteStore } from '../../src/registry/server/sqlite-store.ts';
import { startRegistryServer } from '../../src/registry/server/server.ts';
import { tempDir } from '../lib/common.ts';
import type { Check } from './run.ts';

const CANARY = 'canary-7d1c0e-outside-the-store';

/** Raw request: the path goes on the wire exactly as written (no URL normalisation of `..`). */
function raw(
  port: number,
  method: string,
  path: string,
  body?: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
      },
      (res) => {
        let b = '';
        res.on('data', (d: Buffer) => (b += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b }));
      },
    );
    req.on('error', () => resolve({ status: 0, body: '' }));
    req.end(body);
  });
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

const TRAVERSALS = [
  '..',
  '../..',
  '..%2f..',
  '%2e%2e',
  '%2e%2e%2f%2e%2e',
  '..%5c..',
  '.',
  '%2e',
  '..;',
  '....//',
  '..%00',
  '%00',
  '/etc/passwd',
  '..%252f..',
  'a/../../..',
  '_tags',
  '_blobs/..',
  '%2F',
  'ok/../../x',
];

/** Every way we know to name something outside the registry's storage root, on every route. */
function attackPaths(): [method: string, path: string][] {
  const out: [string, string][] = [];
  for (const t of TRAVERSALS) {
    out.push(['GET', `/v2/${t}/canary/manifests/latest`]);
    out.push(['GET', `/v2/a/manifests/${t}`]);
    out.push(['GET', `/v2/a/manifests/${t}%2fcanary`]);
    out.push(['PUT', `/v2/a/manifests/${t}`]);
    out.push(['PUT', `/v2/${t}/x/manifests/latest`]);
    out.push(['GET', `/v2/a/blobs/sha256:${t}`]);
    out.push(['GET', `/v2/a/blobs/${t}`]);
    out.push(['DELETE', `/v2/a/blobs/sha256:${t}`]);
    out.push(['DELETE', `/v2/a/manifests/${t}`]);
    out.push(['POST', `/v2/a/blobs/uploads/?mount=sha256:${t}&from=${t}`]);
    out.push(['PATCH', `/v2/a/blobs/uploads/${t}`]);
    out.push(['PUT', `/v2/a/blobs/uploads/${t}?digest=sha256:${t}`]);
    out.push(['GET', `/v2/a/tags/list?last=${t}&n=5`]);
    out.push(['GET', `/v2/a/referrers/sha256:${t}`]);
    out.push(['GET', `/v2/${t}/_catalog`]);
  }
  return out;
}

/** Path traversal against the file-backed embedded registry: HTTP routes and the `--dir` store itself. */
export async function traversalChecks(): Promise<Check[]> {
  const work = tempDir('traversal');
  const root = join(work, 'store');
  mkdirSync(root);
  writeFileSync(join(work, CANARY), CANARY);
  mkdirSync(join(work, 'canary', '_tags'), { recursive: true });
  writeFileSync(join(work, 'canary', '_tags', 'latest'), CANARY);
  const reg = await startRegistryServer({ addr: '127.0.0.1:0', dir: root });
  const port = Number(new URL(reg.url).port);
  const before = files(work).filter((f) => !f.startsWith(root));
  let leaked = 0;
  let errors5xx = 0;
  let accepted = 0;
  const paths = attackPaths();
  try {
    for (const [m, p] of paths) {
      const r = await raw(port, m, p, m === 'PUT' ? CANARY : undefined);
      if (r.body.includes(CANARY)) leaked++;
      if (r.status >= 500 || r.status === 0) errors5xx++;
      if (r.status >= 200 && r.status < 300 && m !== 'GET') {
        accepted++;
        if (process.env.CHAINS_REL_DEBUG) process.stdout.write(`accepted ${m} ${p} -> ${r.status}\n`);
      }
    }
  } finally {
    await reg.close();
  }
  const after = files(work).filter((f) => !f.startsWith(root));
  const created = after.filter((f) => !before.includes(f)).map((f) => relative(work, f));
  const store = await SqliteStore.open(join(work, 'store-direct'));
  let storeRefused = 0;
  const badKeys = [
    '../x',
    'a/../../x',
    '/etc/passwd',
    'a//b',
    '.',
    '..',
    'a/./b',
    'a\\..\\b',
    '',
    'a/\u0000',
  ];
  for (const k of badKeys) {
    try {
      await store.put(k, Buffer.from('x'));
    } catch (e) {
      if (e instanceof ChainsError) storeRefused++;
    }
  }
  store.close();
  return [
    {
      name: `registry: ${paths.length} traversal requests leak nothing outside the store`,
      ok: leaked === 0,
      detail: `${leaked} answers contained the canary`,
    },
    {
      name: 'registry: traversal requests write nothing outside the store',
      ok: created.length === 0,
      detail: created.length ? `created ${created.join(', ')}` : 'no new files outside the root',
    },
    {
      name: 'registry: traversal requests get 4xx, never 5xx or a dropped connection',
      ok: errors5xx === 0,
      detail: `${errors5xx} 5xx/reset, ${accepted} non-GET accepted`,
    },
    {
      name: 'the --dir store refuses keys that are not plain segments (coded error)',
      ok: storeRefused === badKeys.length,
      detail: `${storeRefused}/${badKeys.length} refused`,
    },
  ];
}
