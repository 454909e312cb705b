import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/registry/client.ts';
import { nodeTransport, type Transport } from '../../src/registry/transport.ts';
import { SMALL_BLOB_BYTES, pushBlob } from '../../src/registry/upload.ts';
import { startRegistryServer, type RunningRegistry } from '../../src/registry/server/server.ts';
import { generateKeyPairSync } from 'node:crypto';
import { privateKeyMaterial } from '../../src/keys/index.ts';
import { staticKeychain, type Keychain } from '../../src/registry/keychain.ts';
import { KeySigner, signSimpleSigning } from '../../src/signing/index.ts';
import { OciStorageBackend } from '../../src/storage/oci/backend.ts';
import { testRegistries } from '../setup/env.ts';
import { hostOf, uniqueRepo } from './helpers.ts';

const sha = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** A client whose wire traffic (method + status) is recorded, skipping the scheme probe. */
function recordingClient(keychain?: Keychain): { client: RegistryClient; calls: string[] } {
  const calls: string[] = [];
  const inner = nodeTransport();
  const transport: Transport = async (req) => {
    const res = await inner(req);
    if (req.url.pathname !== '/v2/') calls.push(`${req.method} ${res.status}`);
    return res;
  };
  return { client: new RegistryClient({ transport, ...(keychain ? { keychain } : {}) }), calls };
}

let embedded: RunningRegistry;
beforeAll(async () => {
  embedded = await startRegistryServer({ addr: '127.0.0.1:0' });
});
afterAll(async () => embedded.close());

describe('blob upload round trips', () => {
  it('embedded registry: a small blob is one POST ?digest= (201), and reads back', async () => {
    const { client, calls } = recordingClient();
    const repo = { registry: embedded.host, repository: uniqueRepo('mono') };
    const blob = Buffer.from('{"small":"blob"}');
    expect(await pushBlob(client, repo, blob)).toBe(sha(blob));
    expect(await pushBlob(client, repo, blob)).toBe(sha(blob));
    expect(calls).toEqual(['POST 201', 'POST 201']);
    expect((await client.getBlob(repo, sha(blob))).equals(blob)).toBe(true);
  });

  it('a large blob is checked with HEAD first and not pushed again', async () => {
    const { client, calls } = recordingClient();
    const repo = { registry: embedded.host, repository: uniqueRepo('big') };
    const blob = Buffer.alloc(SMALL_BLOB_BYTES + 1, 3);
    await pushBlob(client, repo, blob);
    await pushBlob(client, repo, blob);
    expect(calls).toEqual(['HEAD 404', 'POST 202', 'PUT 201', 'HEAD 200']);
  });

  it('docker-registry 2.8 answers the monolithic POST with 202: PUT carries the bytes, then POST + PUT', async () => {
    const { client, calls } = recordingClient();
    const repo = { registry: hostOf('plain'), repository: uniqueRepo('fallback') };
    const a = Buffer.from('first small blob');
    const b = Buffer.from('second small blob');
    await pushBlob(client, repo, a);
    await pushBlob(client, repo, b);
    expect(calls).toEqual(['POST 202', 'PUT 201', 'POST 202', 'PUT 201']);
    expect((await client.getBlob(repo, sha(a))).equals(a)).toBe(true);
    expect((await client.getBlob(repo, sha(b))).equals(b)).toBe(true);
    expect(client.session.monolithicPost(repo.registry)).toBe(false);
  });

  it('docker-registry with Basic auth: one 401 for the first repository, credentials sent up front after that', async () => {
    const r = testRegistries();
    const { client, calls } = recordingClient(
      staticKeychain(r.auth, { kind: 'basic', username: r.user, password: r.password }),
    );
    const first = { registry: r.auth, repository: uniqueRepo('basic') };
    const second = { registry: r.auth, repository: uniqueRepo('basic') };
    await pushBlob(client, first, Buffer.from('one'));
    expect(calls).toEqual(['POST 401', 'POST 202', 'PUT 201']);
    calls.length = 0;
    await pushBlob(client, second, Buffer.from('two'));
    expect(await client.listTags(second)).toEqual([]);
    expect(calls).toEqual(['POST 202', 'PUT 201', 'GET 404']);
  });

  const signer = new KeySigner(
    privateKeyMaterial(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey),
  );
  const pushes: [string, () => string, string[], string[]][] = [
    // the tag is read (absent), layer and config go up in one request each, the manifest last
    [
      'embedded',
      () => embedded.host,
      ['GET 404', 'POST 201', 'POST 201', 'PUT 201'],
      ['GET 200', 'POST 201', 'POST 201', 'PUT 201'],
    ],
    // distribution 2.8 opens a session on POST ?digest=: the bytes go in its PUT
    [
      'docker-registry',
      () => hostOf('plain'),
      ['GET 404', 'POST 202', 'PUT 201', 'POST 202', 'PUT 201', 'PUT 201'],
      ['GET 200', 'POST 202', 'PUT 201', 'POST 202', 'PUT 201', 'PUT 201'],
    ],
  ];
  it.each(pushes)('a cosign .sig append to %s costs the fewest requests', async (_, host, fresh, again) => {
    const { client, calls } = recordingClient();
    const backend = new OciStorageBackend({ client });
    const image = {
      repository: `${host()}/${uniqueRepo('sig')}`,
      digest: sha(Buffer.from(uniqueRepo('image'))),
    };
    const run = { kind: 'TaskRun' as const, namespace: 'n', name: 'r', uid: 'u' };
    for (const [i, want] of [fresh, again].entries()) {
      const record = await signSimpleSigning(signer, `${image.repository}-${i}`, image.digest);
      calls.length = 0;
      await backend.store({
        what: 'image-signature',
        run,
        record,
        image,
        shortKey: 'k',
        format: 'simplesigning',
      });
      // the layer and config uploads run side by side: compare as sets with counts
      expect([...calls].sort()).toEqual([...want].sort());
    }
  });
});
