import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/registry/client.ts';
import { pushBlob, mountBlob } from '../../src/registry/upload.ts';
import { parseReference } from '../../src/registry/reference.ts';
import { MediaType } from '../../src/registry/manifest.ts';
import { staticKeychain } from '../../src/registry/keychain.ts';
import { startRegistryServer, type RunningRegistry } from '../../src/registry/server/server.ts';
import { hasCode } from '../../src/core/errors.ts';
import { testRegistries } from '../setup/env.ts';
import { clientFor, hostOf, uniqueRepo, type RegistryKind } from './helpers.ts';

const sha = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function expectCode(p: Promise<unknown>, code: string): Promise<Error> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e, `expected ${code}`).toBeInstanceOf(Error);
  expect(hasCode(e, code), `${String(e)} should have code ${code}`).toBe(true);
  return e as Error;
}

function manifestOf(config: Buffer, layers: Buffer[], extra: Record<string, unknown> = {}): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: MediaType.ociConfig, digest: sha(config), size: config.length },
      layers: layers.map((l) => ({ mediaType: 'application/octet-stream', digest: sha(l), size: l.length })),
      ...extra,
    }),
  );
}

let embedded: RunningRegistry;
beforeAll(async () => {
  embedded = await startRegistryServer({ addr: '127.0.0.1:0' });
});
afterAll(async () => embedded.close());

const kinds: (RegistryKind | 'embedded')[] = ['plain', 'auth', 'tls', 'embedded'];
const host = (k: RegistryKind | 'embedded'): string => (k === 'embedded' ? embedded.host : hostOf(k));

describe.each(kinds)('distribution API against %s', (kind) => {
  it('pushes blobs (monolithic and chunked), a manifest, and reads them back verified', async () => {
    const c = clientFor(kind);
    const repo = { registry: host(kind), repository: uniqueRepo('client') };
    const config = Buffer.from('{"architecture":"amd64","os":"linux"}');
    const big = Buffer.alloc(70_000, 7);
    expect(await pushBlob(c, repo, config)).toBe(sha(config));
    expect(await pushBlob(c, repo, big, { chunkSize: 16_384 })).toBe(sha(big));
    expect(await c.blobExists(repo, sha(big))).toBe(true);
    expect((await c.getBlob(repo, sha(big))).equals(big)).toBe(true);
    const m = manifestOf(config, [big]);
    expect(await c.putManifest(repo, 'v1', m)).toBe(sha(m));
    const byTag = await c.getManifest(repo, 'v1');
    expect(byTag.digest).toBe(sha(m));
    expect(byTag.mediaType).toBe(MediaType.ociManifest);
    expect((await c.getManifest(repo, sha(m))).bytes.equals(m)).toBe(true);
    expect(await c.listTags(repo)).toEqual(['v1']);
    const other = { ...repo, repository: uniqueRepo('mount') };
    expect(await mountBlob(c, other, sha(big), repo)).toBe(true);
    expect(await c.blobExists(other, sha(big))).toBe(true);
  });

  it('finds referrers through the API or the sha256-<hex> tag schema', async () => {
    const c = clientFor(kind);
    const repo = { registry: host(kind), repository: uniqueRepo('refs') };
    const empty = Buffer.from('{}');
    await pushBlob(c, repo, empty);
    const subject = manifestOf(empty, []);
    const subjectDigest = await c.putManifest(repo, 'v1', subject);
    const art = Buffer.from('artifact');
    await pushBlob(c, repo, art);
    const ref = manifestOf(empty, [art], {
      artifactType: 'application/x-test',
      subject: { mediaType: MediaType.ociManifest, digest: subjectDigest, size: subject.length },
    });
    const desc = {
      mediaType: MediaType.ociManifest,
      digest: sha(ref),
      size: ref.length,
      artifactType: 'application/x-test',
    };
    await c.putReferrer(repo, ref, desc, subjectDigest);
    await c.putReferrer(repo, ref, desc, subjectDigest);
    const found = await c.referrers(repo, subjectDigest);
    expect(found.map((d) => d.digest)).toEqual([sha(ref)]);
    expect(await c.referrers(repo, subjectDigest, 'application/x-other')).toEqual([]);
    const tags = await c.listTags(repo);
    expect(tags.includes(subjectDigest.replace(':', '-'))).toBe(kind !== 'embedded');
  });

  it('answers NOT_FOUND for an unknown image and an unknown tag', async () => {
    const c = clientFor(kind);
    await expectCode(c.resolve(parseReference(`${host(kind)}/nope/never:v1`)), 'NOT_FOUND');
    expect(
      await c.getManifestIfExists({ registry: host(kind), repository: 'nope/never' }, 'v2'),
    ).toBeUndefined();
  });

  it('deletes a manifest by digest', async () => {
    const c = clientFor(kind);
    const repo = { registry: host(kind), repository: uniqueRepo('del') };
    const empty = Buffer.from('{}');
    await pushBlob(c, repo, empty);
    const d = await c.putManifest(repo, 'gone', manifestOf(empty, []));
    await c.deleteManifest(repo, d);
    await expectCode(c.getManifest(repo, d), 'NOT_FOUND');
  });
});

describe('registry client errors', () => {
  const r = (): ReturnType<typeof testRegistries> => testRegistries();

  it('UNAUTHORIZED without credentials and with a wrong password', async () => {
    const repo = parseReference(`${r().auth}/x/y:v1`);
    await expectCode(new RegistryClient().resolve(repo), 'UNAUTHORIZED');
    const wrong = staticKeychain(r().auth, { kind: 'basic', username: r().user, password: 'wrong' });
    const e = await expectCode(new RegistryClient({ keychain: wrong }).resolve(repo), 'UNAUTHORIZED');
    expect(e.message).not.toContain('wrong');
  });

  it('TLS_ERROR for a self-signed registry without --ca-cert', async () => {
    await expectCode(new RegistryClient().resolve(parseReference(`${r().tls}/x/y:v1`)), 'TLS_ERROR');
  });

  it('REGISTRY_UNREACHABLE when nothing listens', async () => {
    await expectCode(
      new RegistryClient().resolve(parseReference('127.0.0.1:1/x/y:v1')),
      'REGISTRY_UNREACHABLE',
    );
  });

  it('MANIFEST_TOO_LARGE when a manifest exceeds the bound', async () => {
    const c = clientFor('plain');
    const repo = { registry: r().plain, repository: uniqueRepo('big') };
    const empty = Buffer.from('{}');
    await pushBlob(c, repo, empty);
    await c.putManifest(repo, 'v1', manifestOf(empty, [], { annotations: { pad: 'x'.repeat(5000) } }));
    await expectCode(
      clientFor('plain', { maxManifestBytes: 1024 }).getManifest(repo, 'v1'),
      'MANIFEST_TOO_LARGE',
    );
    await expectCode(
      clientFor('plain', { maxManifestBytes: 1024 }).putManifest(repo, 'v2', Buffer.alloc(2000, 32)),
      'MANIFEST_TOO_LARGE',
    );
  });
});

describe('media types and blob bounds', () => {
  it('round-trips Docker schema2 manifests and OCI indexes with their media types', async () => {
    const c = clientFor('plain');
    const repo = { registry: testRegistries().plain, repository: uniqueRepo('types') };
    const config = Buffer.from('{"architecture":"arm64","os":"linux"}');
    await pushBlob(c, repo, config);
    const docker = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.dockerManifest,
        config: {
          mediaType: 'application/vnd.docker.container.image.v1+json',
          digest: sha(config),
          size: config.length,
        },
        layers: [],
      }),
    );
    const dd = await c.putManifest(repo, 'docker', docker);
    expect((await c.getManifest(repo, 'docker')).mediaType).toBe(MediaType.dockerManifest);
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.ociIndex,
        manifests: [
          {
            mediaType: MediaType.dockerManifest,
            digest: dd,
            size: docker.length,
            platform: { architecture: 'arm64', os: 'linux' },
          },
        ],
      }),
    );
    await c.putManifest(repo, 'multi', index);
    const got = await c.getManifest(repo, 'multi');
    expect([got.mediaType, got.digest]).toEqual([MediaType.ociIndex, sha(index)]);
  });

  it('BLOB_TOO_LARGE when a blob exceeds the bound', async () => {
    const repo = { registry: testRegistries().plain, repository: uniqueRepo('bigblob') };
    const blob = Buffer.alloc(5000, 3);
    await pushBlob(clientFor('plain'), repo, blob);
    await expectCode(new RegistryClient({ maxBlobBytes: 1000 }).getBlob(repo, sha(blob)), 'BLOB_TOO_LARGE');
  });
});

describe('against a lying registry', () => {
  let server: Server;
  let hostport = '';
  const good = Buffer.from('{"schemaVersion":2,"config":{},"layers":[]}');
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/v2/') return void res.end('{}');
      if (req.url?.includes('/blobs/')) return void res.end('tampered bytes');
      // claims a digest the body does not hash to
      res.writeHead(200, {
        'docker-content-digest': sha(Buffer.from('other')),
        'content-type': MediaType.ociManifest,
      });
      res.end(good);
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    hostport = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => void server.close());

  it('DIGEST_MISMATCH for a blob, a manifest by digest, and a manifest by tag', async () => {
    const c = new RegistryClient();
    const repo = { registry: hostport, repository: 'a/b' };
    await expectCode(c.getBlob(repo, sha(Buffer.from('x'))), 'DIGEST_MISMATCH');
    await expectCode(c.getManifest(repo, sha(Buffer.from('x'))), 'DIGEST_MISMATCH');
    await expectCode(c.getManifest(repo, 'v1'), 'DIGEST_MISMATCH');
  });
});
