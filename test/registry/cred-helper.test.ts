import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { credentialHelperRunner } from '../../src/registry/cred-helper.ts';
import { dockerConfigKeychain } from '../../src/registry/docker-config.ts';
import { RegistryClient } from '../../src/registry/client.ts';
import { pushBlob } from '../../src/registry/upload.ts';
import { testRegistries } from '../setup/env.ts';

const work = mkdtempSync(join(tmpdir(), 'chains-credhelper-'));
const b64 = (s: string): string => Buffer.from(s).toString('base64');
let n = 0;

/**
 * A `docker-credential-<name>` shell script in its own PATH directory: it appends each server URL it is asked
 * about to `asked`, then runs `body` with the URL in $url.
 */
function helper(body: string): { name: string; env: NodeJS.ProcessEnv; asked: () => string[] } {
  const name = `chainstest${++n}`;
  const dir = mkdtempSync(join(work, 'bin-'));
  const asked = join(dir, 'asked');
  writeFileSync(asked, '');
  const script = `#!/bin/sh\n[ "$1" = get ] || exit 3\nurl=$(cat)\necho "$url" >> ${asked}\n${body}\n`;
  writeFileSync(join(dir, `docker-credential-${name}`), script);
  chmodSync(join(dir, `docker-credential-${name}`), 0o755);
  const env = { ...process.env, PATH: `${dir}:${process.env.PATH ?? ''}` };
  return { name, env, asked: () => readFileSync(asked, 'utf8').split('\n').filter(Boolean) };
}

const r = testRegistries();
const answer = (user: string, secret: string): string =>
  `printf '%s' '{"ServerURL":"'"$url"'","Username":"${user}","Secret":"${secret}"}'`;
const GOOD = answer(r.user, r.password);

function clientFor(config: unknown, env?: NodeJS.ProcessEnv): RegistryClient {
  const text = JSON.stringify(config);
  const helpers = credentialHelperRunner(env ? { env } : {});
  return new RegistryClient({ keychain: dockerConfigKeychain(text, 'config.json', { helpers }) });
}

/** Pushes a blob to a fresh repository of the htpasswd-protected docker-registry (needs push credentials). */
async function push(client: RegistryClient, repository = `helper/t${++n}`): Promise<void> {
  await pushBlob(client, { registry: r.auth, repository }, Buffer.from(`blob ${n}`));
}

async function codeOf(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (e) {
    return { code: (e as { code?: string }).code ?? 'none', message: (e as Error).message };
  }
  return { code: 'no error', message: '' };
}

describe('docker credential helpers against the htpasswd docker-registry', () => {
  it('credHelpers names the helper for the registry; it is asked with the host', async () => {
    const h = helper(GOOD);
    await push(clientFor({ credHelpers: { [r.auth]: h.name } }, h.env));
    expect(h.asked()).toEqual([r.auth]);
  });

  it('credsStore is the default: asked for host/repository first, then the host (ggcr order)', async () => {
    const h = helper(
      `case "$url" in */*) echo "credentials not found in native keychain"; exit 1;; esac\n${GOOD}`,
    );
    await push(clientFor({ credsStore: h.name, auths: { [r.auth]: {} } }, h.env), 'helper/store');
    expect(h.asked()).toEqual([`${r.auth}/helper/store`, r.auth]);
  });

  it('a credHelpers entry wins over credsStore for its key, and an answer is reused (one helper run)', async () => {
    const good = helper(GOOD);
    const store = helper('echo "credentials not found in native keychain"; exit 1');
    const env = { ...good.env, PATH: `${good.env.PATH ?? ''}:${store.env.PATH ?? ''}` };
    const client = clientFor({ credsStore: store.name, credHelpers: { [r.auth]: good.name } }, env);
    await push(client, 'helper/keyed-a');
    await push(client, 'helper/keyed-b');
    expect(good.asked()).toEqual([r.auth]);
    // the store is only asked for the host/repository keys, which credHelpers does not name
    expect(store.asked()).toEqual([`${r.auth}/helper/keyed-a`, `${r.auth}/helper/keyed-b`]);
  });

  it('"<token>" as the user name is an identity token', async () => {
    const h = helper(answer('<token>', 'refresh-token'));
    const k = dockerConfigKeychain(JSON.stringify({ credHelpers: { 'reg.example': h.name } }), 'c', {
      helpers: credentialHelperRunner({ env: h.env }),
    });
    expect(await k.resolve('reg.example')).toEqual({ kind: 'identityToken', token: 'refresh-token' });
  });

  it('a helper that fails is a coded error with its message, never with what it printed as JSON', async () => {
    const failing = helper('echo "keychain locked"; exit 1');
    const e1 = await codeOf(push(clientFor({ credHelpers: { [r.auth]: failing.name } }, failing.env)));
    expect(e1.code).toBe('CREDENTIAL_HELPER');
    expect(e1.message).toMatch(
      /docker-credential-chainstest\d+ failed \(exit 1\) for 127\.0\.0\.1:\d+: keychain locked/,
    );
    const leaky = helper(`${answer(r.user, 'TOP-SECRET-1')}; exit 2`);
    const e2 = await codeOf(push(clientFor({ credHelpers: { [r.auth]: leaky.name } }, leaky.env)));
    expect(e2.code).toBe('CREDENTIAL_HELPER');
    expect(e2.message).not.toContain('TOP-SECRET');
    const garbage = helper(`echo 'Secret: TOP-SECRET-2'`);
    const e3 = await codeOf(push(clientFor({ credHelpers: { [r.auth]: garbage.name } }, garbage.env)));
    expect(e3.code).toBe('CREDENTIAL_HELPER');
    expect(e3.message).toMatch(/other than \{"ServerURL","Username","Secret"\} JSON/);
    expect(e3.message).not.toContain('TOP-SECRET');
  });

  it('a missing helper is a coded error naming it', async () => {
    const e = await codeOf(push(clientFor({ credsStore: 'chains-no-such-helper' })));
    expect(e.code).toBe('CREDENTIAL_HELPER');
    expect(e.message).toMatch(/docker-credential-chains-no-such-helper not found on PATH/);
  });

  it('"credentials not found" from the helper is anonymous: the registry then refuses', async () => {
    const h = helper('echo "credentials not found in native keychain"; exit 1');
    const e = await codeOf(push(clientFor({ credHelpers: { [r.auth]: h.name } }, h.env)));
    expect(e.code).toBe('UNAUTHORIZED');
  });

  it('without a runner (Kubernetes secrets) helpers are never run', async () => {
    const h = helper(GOOD);
    const k = dockerConfigKeychain(JSON.stringify({ credsStore: h.name }), 'secret');
    expect(await k.resolve(r.auth, 'x/y')).toBeUndefined();
    expect(h.asked()).toEqual([]);
  });

  it('refuses a helper name with a path separator', async () => {
    const e = await codeOf(push(clientFor({ credsStore: '../../bin/sh' })));
    expect(e.code).toBe('BAD_CONFIG');
  });
});

describe('auths as docker accepts them, against the htpasswd docker-registry', () => {
  const good = { auth: b64(`${r.user}:${r.password}`) };
  const wrong = { auth: b64(`${r.user}:wrong`) };
  it.each([
    ['a key with a scheme and a path', { [`http://${r.auth}/v2/`]: good }],
    ['a key with https and a trailing slash', { [`https://${r.auth}/`]: good }],
    [
      'base64 wrapped over lines',
      { [r.auth]: { auth: `${good.auth.slice(0, 8)}\n${good.auth.slice(8)}\r\n` } },
    ],
    ['Go-style capitalised fields', { [r.auth]: { Username: r.user, Password: r.password } }],
  ])('%s', async (_name, auths) => {
    await push(clientFor({ auths }));
  });

  it('a host/repository key wins over the host key for that repository only', async () => {
    const client = clientFor({ auths: { [r.auth]: wrong, [`${r.auth}/helper/special`]: good } });
    await push(client, 'helper/special');
    expect((await codeOf(push(client, 'helper/other'))).code).toBe('UNAUTHORIZED');
  });

  it('"auths": null is an empty map', async () => {
    const k = dockerConfigKeychain('{"auths": null, "credHelpers": null}');
    expect(await k.resolve(r.auth)).toBeUndefined();
  });

  it('an auth value with an empty user is refused as docker refuses it', () => {
    expect(() => dockerConfigKeychain(JSON.stringify({ auths: { x: { auth: b64(':pw') } } }))).toThrow(
      /must encode "user:password"/,
    );
  });
});
