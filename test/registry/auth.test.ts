import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasCode } from '../../src/core/errors.ts';
import { parseChallenge } from '../../src/registry/auth.ts';
import { dockerConfigKeychain, kubernetesSecretKeychain } from '../../src/registry/docker-config.ts';
import { multiKeychain, normaliseAuthKey, staticKeychain } from '../../src/registry/keychain.ts';
import { RegistryClient } from '../../src/registry/client.ts';
import { pushBlob } from '../../src/registry/upload.ts';
import { RegistryData } from '../../src/registry/server/data.ts';
import { MemoryStore } from '../../src/registry/server/store.ts';
import { registryHandler } from '../../src/registry/server/router.ts';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

describe('docker config.json keychain', () => {
  const cfg = JSON.stringify({
    auths: {
      'https://index.docker.io/v1/': { auth: b64('hub:pw') },
      'registry.example.com:5000': { username: 'u', password: 'p' },
      'https://ghcr.io': { identitytoken: 'refresh-me' },
      'quay.io': { registrytoken: 'bearer-me' },
      'empty.example': {},
    },
    credsStore: 'desktop',
  });
  const cases: [string, unknown][] = [
    ['docker.io', { kind: 'basic', username: 'hub', password: 'pw' }],
    ['index.docker.io', { kind: 'basic', username: 'hub', password: 'pw' }],
    ['registry.example.com:5000', { kind: 'basic', username: 'u', password: 'p' }],
    ['ghcr.io', { kind: 'identityToken', token: 'refresh-me' }],
    ['quay.io', { kind: 'registryToken', token: 'bearer-me' }],
    ['empty.example', undefined],
    ['other.example', undefined],
  ];
  it.each(cases)('resolves %s', async (registry, want) => {
    expect(await dockerConfigKeychain(cfg).resolve(registry)).toEqual(want);
  });

  const bad: [string, string, RegExp][] = [
    ['not JSON', '{"auths":', /not valid JSON/],
    ['auths not an object', '{"auths": []}', /auths/],
    ['auth not base64', '{"auths":{"x":{"auth":"%%%"}}}', /auths\["x"\]\.auth is not valid base64/],
    ['auth without colon', `{"auths":{"x":{"auth":"${b64('nocolon')}"}}}`, /must encode "user:password"/],
    ['username not a string', '{"auths":{"x":{"username":5}}}', /auths\.x\.username/],
  ];
  it.each(bad)('rejects %s with BAD_CONFIG', (_n, text, msg) => {
    let err: unknown;
    try {
      dockerConfigKeychain(text, 'config.json');
    } catch (e) {
      err = e;
    }
    expect(hasCode(err, 'BAD_CONFIG')).toBe(true);
    expect((err as Error).message).toMatch(msg);
  });

  it('reads Kubernetes dockerconfigjson and legacy dockercfg secrets', async () => {
    const entry = { auth: b64('robot:tok') };
    const json = kubernetesSecretKeychain(
      'kubernetes.io/dockerconfigjson',
      JSON.stringify({ auths: { 'reg.io': entry } }),
    );
    const cfg = kubernetesSecretKeychain(
      'kubernetes.io/dockercfg',
      JSON.stringify({ 'https://reg.io': entry }),
    );
    const want = { kind: 'basic', username: 'robot', password: 'tok' };
    expect(await json.resolve('reg.io')).toEqual(want);
    expect(await cfg.resolve('reg.io')).toEqual(want);
    expect(() => kubernetesSecretKeychain('kubernetes.io/dockercfg', '[1]')).toThrow(/auths/);
  });

  it('normalises keys and chains keychains in order', async () => {
    expect(normaliseAuthKey('https://Registry-1.Docker.io/v2/')).toBe('index.docker.io');
    const k = multiKeychain(
      staticKeychain('a.io', { kind: 'registryToken', token: '1' }),
      dockerConfigKeychain(cfg),
    );
    expect(await k.resolve('a.io')).toEqual({ kind: 'registryToken', token: '1' });
    expect(await k.resolve('quay.io')).toEqual({ kind: 'registryToken', token: 'bearer-me' });
  });
});

describe('WWW-Authenticate parsing', () => {
  it.each([
    ['Basic realm="chains-test"', { scheme: 'basic', params: { realm: 'chains-test' } }],
    [
      'Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push"',
      {
        scheme: 'bearer',
        params: {
          realm: 'https://auth.example/token',
          service: 'registry.example',
          scope: 'repository:a/b:pull,push',
        },
      },
    ],
    ['Negotiate abc', undefined],
  ])('%s', (h, want) => expect(parseChallenge(h)).toEqual(want));
});

describe('Bearer token flow (token server in front of the embedded registry)', () => {
  let server: Server;
  let storage: Server;
  let host = '';
  let storageHost = '';
  const storageAuth: string[] = [];
  const STORED = Buffer.from('blob in storage');
  const issued: string[] = [];
  beforeAll(async () => {
    const handler = registryHandler(new RegistryData(new MemoryStore()), {
      maxManifestBytes: 1 << 20,
      maxBlobBytes: 1 << 20,
    });
    server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', `http://${host}`);
      if (url.pathname === '/token') {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const form = new URLSearchParams(Buffer.concat(chunks).toString());
          const basicOk = req.headers.authorization === `Basic ${b64('alice:pw')}`;
          const refreshOk = form.get('grant_type') === 'refresh_token' && form.get('refresh_token') === 'rt';
          if (!basicOk && !refreshOk) return void res.writeHead(401).end();
          const scope = url.searchParams.get('scope') ?? form.get('scope') ?? '';
          issued.push(scope);
          res.end(JSON.stringify(refreshOk ? { access_token: `tok ${scope}` } : { token: `tok ${scope}` }));
        });
        return;
      }
      const auth = req.headers.authorization ?? '';
      if (!auth.startsWith('Bearer tok ')) {
        res.writeHead(401, {
          'www-authenticate': `Bearer realm="http://${host}/token",service="test-registry"`,
        });
        return void res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
      }
      if (url.pathname.startsWith('/v2/team/redirect/blobs/')) {
        // blob storage elsewhere, as S3/CDN-backed registries answer blob GETs
        res.writeHead(307, { location: `http://${storageHost}/blob?x=1` });
        return void res.end();
      }
      void handler(req, res);
    });
    storage = createServer((req, res) => {
      storageAuth.push(req.headers.authorization ?? '');
      res.end(STORED);
    });
    await new Promise<void>((ok) => storage.listen(0, '127.0.0.1', ok));
    storageHost = `127.0.0.1:${(storage.address() as AddressInfo).port}`;
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.close();
    storage.close();
  });

  it('gets a token with Basic credentials, scoped to the repository, and pushes', async () => {
    const c = new RegistryClient({
      keychain: staticKeychain(host, { kind: 'basic', username: 'alice', password: 'pw' }),
    });
    const repo = { registry: host, repository: 'team/app' };
    const d = await pushBlob(c, repo, Buffer.from('bearer blob'));
    expect((await c.getBlob(repo, d)).toString()).toBe('bearer blob');
    // one token for the push and the read after it: a pull,push token covers pull
    expect(issued).toEqual(['repository:team/app:pull,push']);
    await c.listTags({ registry: host, repository: 'team/other' });
    expect(issued).toEqual(['repository:team/app:pull,push', 'repository:team/other:pull']);
  });

  it('follows a blob redirect to another host without sending it the registry credentials', async () => {
    const c = new RegistryClient({
      keychain: staticKeychain(host, { kind: 'basic', username: 'alice', password: 'pw' }),
    });
    const digest = `sha256:${createHash('sha256').update(STORED).digest('hex')}`;
    const got = await c.getBlob({ registry: host, repository: 'team/redirect' }, digest);
    expect(got.equals(STORED)).toBe(true);
    expect(storageAuth).toEqual(['']);
  });

  it('exchanges an identitytoken (refresh token grant)', async () => {
    const c = new RegistryClient({
      keychain: dockerConfigKeychain(JSON.stringify({ auths: { [host]: { identitytoken: 'rt' } } })),
    });
    expect(await c.listTags({ registry: host, repository: 'team/app' })).toEqual([]);
  });

  it('UNAUTHORIZED when the token server refuses', async () => {
    const c = new RegistryClient({
      keychain: staticKeychain(host, { kind: 'basic', username: 'alice', password: 'nope' }),
    });
    const e = await c.listTags({ registry: host, repository: 'team/app' }).catch((x: unknown) => x);
    expect(hasCode(e, 'UNAUTHORIZED')).toBe(true);
    const anon = await new RegistryClient()
      .listTags({ registry: host, repository: 'team/app' })
      .catch((x: unknown) => x);
    expect(hasCode(anon, 'UNAUTHORIZED')).toBe(true);
  });
});
