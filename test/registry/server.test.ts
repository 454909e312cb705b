import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/registry/server/sqlite-store.ts';
import { startRegistryServer, type RunningRegistry } from '../../src/registry/server/server.ts';
import { RegistryClient } from '../../src/registry/client.ts';
import { pushBlob } from '../../src/registry/upload.ts';
import { MediaType } from '../../src/registry/manifest.ts';
import { skopeo, tinyOciLayout } from './helpers.ts';

const sha = (b: Buffer | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request with the path sent verbatim (no client-side normalisation of `..`). */
function raw(
  host: string,
  method: string,
  path: string,
  body?: Buffer | string,
  headers: Record<string, string> = {},
): Promise<Raw> {
  const [hostname, port] = host.split(':');
  return new Promise((ok, fail) => {
    const r = request({ hostname, port: Number(port), method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        ok({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }),
      );
    });
    r.on('error', fail);
    r.end(body);
  });
}

const specCode = (r: Raw): string =>
  (JSON.parse(r.body) as { errors: { code: string }[] }).errors[0]?.code ?? '';

let root = '';
let storeDir = '';
let reg: RunningRegistry;
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'chains-srv-'));
  storeDir = join(root, 'store');
  mkdirSync(join(root, 'outside'));
  reg = await startRegistryServer({
    addr: '127.0.0.1:0',
    dir: storeDir,
    maxManifestBytes: 8192,
    maxBlobBytes: 100_000,
  });
});
afterAll(async () => reg.close());

describe('embedded registry with skopeo', () => {
  it('skopeo pushes, inspects, lists, pulls back unchanged, and deletes', async () => {
    const { dir, digest } = tinyOciLayout('skopeo push to embedded\n');
    const ref = `docker://${reg.host}/skopeo/tiny`;
    await skopeo(['copy', '-q', '--dest-tls-verify=false', `oci:${dir}:v1`, `${ref}:v1`]);
    const m = JSON.parse(await skopeo(['inspect', '--raw', '--tls-verify=false', `${ref}:v1`])) as {
      layers: unknown[];
    };
    expect(m.layers).toHaveLength(1);
    const inspect = JSON.parse(await skopeo(['inspect', '--tls-verify=false', `${ref}:v1`])) as {
      Digest: string;
    };
    expect(inspect.Digest).toBe(digest);
    const tags = JSON.parse(await skopeo(['list-tags', '--tls-verify=false', ref])) as { Tags: string[] };
    expect(tags.Tags).toEqual(['v1']);
    const out = mkdtempSync(join(tmpdir(), 'chains-pull-'));
    await skopeo(['copy', '-q', '--src-tls-verify=false', `${ref}:v1`, `oci:${out}:pulled`]);
    expect(readdirSync(join(out, 'blobs', 'sha256'))).toContain(digest.slice(7));
    await skopeo(['delete', '--tls-verify=false', `${ref}:v1`]);
    await expect(skopeo(['inspect', '--raw', '--tls-verify=false', `${ref}:v1`])).rejects.toThrow(
      /manifest unknown/,
    );
  });
});

describe('embedded registry protocol', () => {
  const traversal: [string, string][] = [
    ['GET', '/v2/../../outside/manifests/latest'],
    ['GET', '/v2/a/%2e%2e/%2e%2e/outside/manifests/latest'],
    ['GET', '/v2/a/..%2f..%2foutside/manifests/latest'],
    ['PUT', '/v2/a/manifests/..%2f..%2f..%2foutside'],
    ['GET', '/v2/a/blobs/sha256:..%2f..%2f..%2foutside'],
    ['PATCH', '/v2/a/blobs/uploads/..%2f..%2foutside'],
    ['GET', '/v2/A_B/tags/list'],
    ['PUT', '/v2/_x/manifests/v1'],
  ];
  it.each(traversal)('refuses %s %s and writes nothing outside its directory', async (method, path) => {
    const r = await raw(reg.host, method, path, method === 'GET' ? undefined : '{}');
    expect([400, 404, 405]).toContain(r.status);
    expect(readdirSync(join(root, 'outside'))).toEqual([]);
    expect(readdirSync(root).sort()).toEqual(['outside', 'store']);
  });

  it('the --dir store refuses keys that are not plain segments', async () => {
    const s = await SqliteStore.open(mkdtempSync(join(tmpdir(), 'chains-kv-')));
    try {
      await expect(s.put('../outside/x', Buffer.from('x'))).rejects.toThrow(/invalid storage key/);
      await expect(s.put('a//b', Buffer.from('x'))).rejects.toThrow(/invalid storage key/);
    } finally {
      s.close();
    }
  });

  it('bounds request sizes (manifest and blob)', async () => {
    const big = Buffer.alloc(9000, 32);
    const r = await raw(reg.host, 'PUT', '/v2/lim/manifests/v1', big, {
      'content-type': MediaType.ociManifest,
    });
    expect([r.status, specCode(r)]).toEqual([413, 'SIZE_INVALID']);
    const blob = Buffer.alloc(100_001, 1);
    const b = await raw(reg.host, 'POST', `/v2/lim/blobs/uploads/?digest=${sha(blob)}`, blob);
    expect([b.status, specCode(b)]).toEqual([413, 'SIZE_INVALID']);
  });

  it('bounds the bytes all open upload sessions buffer together, and frees them on cancel', async () => {
    const open = async (): Promise<string> => {
      const r = await raw(reg.host, 'POST', '/v2/buf/blobs/uploads/');
      expect(r.status).toBe(202);
      return String(r.headers.location);
    };
    const chunk = Buffer.alloc(90_000, 7);
    const sessions: string[] = [];
    // maxBlobBytes is 100 000: four sessions may hold 400 000 bytes between them
    for (let i = 0; i < 4; i++) {
      const loc = await open();
      expect((await raw(reg.host, 'PATCH', loc, chunk)).status).toBe(202);
      sessions.push(loc);
    }
    const fifth = await open();
    const full = await raw(reg.host, 'PATCH', fifth, chunk);
    expect([full.status, specCode(full)]).toEqual([413, 'SIZE_INVALID']);
    const sixth = await open();
    await raw(reg.host, 'PATCH', sixth, Buffer.alloc(40_000, 7)); // fills the last room exactly
    const none = await raw(reg.host, 'PATCH', sixth, Buffer.alloc(1, 7), { 'content-range': '40000-40000' });
    expect([none.status, specCode(none)]).toEqual([429, 'TOOMANYREQUESTS']);
    for (const loc of sessions) expect((await raw(reg.host, 'DELETE', loc)).status).toBe(204);
    const again = await raw(reg.host, 'PATCH', sixth, Buffer.alloc(1, 7), { 'content-range': '40000-40000' });
    expect(again.status).toBe(202);
  });

  it('answers the version check for GET/HEAD only', async () => {
    expect((await raw(reg.host, 'GET', '/v2/')).status).toBe(200);
    expect((await raw(reg.host, 'DELETE', '/v2/')).status).toBe(405);
  });

  it('checks upload digests, chunk order, and manifest references', async () => {
    const start = await raw(reg.host, 'POST', '/v2/up/blobs/uploads/');
    expect(start.status).toBe(202);
    const loc = String(start.headers.location);
    const ooo = await raw(reg.host, 'PATCH', loc, 'abc', { 'content-range': '5-7' });
    expect(ooo.status).toBe(416);
    await raw(reg.host, 'PATCH', loc, 'abc', { 'content-range': '0-2' });
    const wrong = await raw(reg.host, 'PUT', `${loc}?digest=${sha('other')}`);
    expect([wrong.status, specCode(wrong)]).toEqual([400, 'DIGEST_INVALID']);
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: MediaType.ociConfig, digest: sha('nope'), size: 4 },
      layers: [],
    });
    const m = await raw(reg.host, 'PUT', '/v2/up/manifests/v1', manifest, {
      'content-type': MediaType.ociManifest,
    });
    expect([m.status, specCode(m)]).toEqual([400, 'MANIFEST_BLOB_UNKNOWN']);
    const d = await raw(reg.host, 'PUT', `/v2/up/manifests/${sha('not this')}`, manifest);
    expect(specCode(d)).toBe('DIGEST_INVALID');
    expect(specCode(await raw(reg.host, 'PUT', '/v2/up/manifests/v1', '{not json'))).toBe('MANIFEST_INVALID');
  });

  it('serves the referrers API with artifactType filtering, tags list, catalog, delete, and persists across restarts', async () => {
    const c = new RegistryClient();
    const repo = { registry: reg.host, repository: 'persist/me' };
    const empty = Buffer.from('{}');
    await pushBlob(c, repo, empty);
    const subject = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.ociManifest,
        config: { mediaType: MediaType.ociEmpty, digest: sha(empty), size: 2 },
        layers: [],
      }),
    );
    const sd = await c.putManifest(repo, 'v1', subject);
    const mk = (t: string): Buffer =>
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: MediaType.ociManifest,
          artifactType: t,
          config: { mediaType: MediaType.ociEmpty, digest: sha(empty), size: 2 },
          layers: [],
          subject: { mediaType: MediaType.ociManifest, digest: sd, size: subject.length },
        }),
      );
    const put = await raw(reg.host, 'PUT', `/v2/persist/me/manifests/${sha(mk('x/a'))}`, mk('x/a'), {
      'content-type': MediaType.ociManifest,
    });
    expect(put.headers['oci-subject']).toBe(sd);
    await c.putManifest(repo, sha(mk('x/b')), mk('x/b'));
    const filtered = await raw(reg.host, 'GET', `/v2/persist/me/referrers/${sd}?artifactType=x%2Fb`);
    expect(filtered.headers['oci-filters-applied']).toBe('artifactType');
    expect(
      (JSON.parse(filtered.body) as { manifests: { digest: string }[] }).manifests.map((m) => m.digest),
    ).toEqual([sha(mk('x/b'))]);
    expect((await c.referrers(repo, sd)).map((d) => d.artifactType)).toEqual(['x/a', 'x/b']);
    await c.deleteManifest(repo, sha(mk('x/a')));
    expect((await c.referrers(repo, sd)).map((d) => d.artifactType)).toEqual(['x/b']);
    expect(JSON.parse((await raw(reg.host, 'GET', '/v2/_catalog')).body)).toEqual({
      repositories: expect.arrayContaining(['persist/me']),
    });
    await reg.close();
    reg = await startRegistryServer({
      addr: '127.0.0.1:0',
      dir: storeDir,
      maxManifestBytes: 8192,
      maxBlobBytes: 100_000,
    });
    const again = new RegistryClient();
    expect((await again.getManifest({ registry: reg.host, repository: 'persist/me' }, 'v1')).digest).toBe(sd);
    expect(await again.listTags({ registry: reg.host, repository: 'persist/me' })).toEqual(['v1']);
  });
});
