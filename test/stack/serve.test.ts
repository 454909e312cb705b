import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startStack } from '../../src/stack/index.ts';
import type { TrustedRootJson } from '../../src/trustroot/index.ts';
import { BIN } from '../keys/helpers.ts';
import { tempDir } from '../tlog/helpers.ts';

interface Started {
  lines: Record<string, string>;
  stop(signal: NodeJS.Signals): Promise<number | null>;
}

/** `chains stack serve` with every port free; resolves once it prints "stack ready". */
async function startStackChild(dir: string): Promise<Started> {
  const ports = [
    '--registry-port',
    '--tlog-port',
    '--ca-port',
    '--ctlog-port',
    '--oidc-port',
    '--console-port',
  ].flatMap((p) => [p, '0']);
  const child = spawn(BIN, ['stack', 'serve', '--dir', dir, ...ports], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('stack ready')) resolve();
    });
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    void exited.then((c) => reject(new Error(`stack exited ${c}: ${out}`)));
  });
  const lines = Object.fromEntries(
    out.split('\n').flatMap((l) => {
      const m = /^(registry|rekor|fulcio|ctlog|oidc issuer|trusted root|console)\s+(\S+)$/.exec(l);
      return m ? [[m[1] as string, m[2] as string]] : [];
    }),
  );
  return {
    lines,
    stop: async (signal) => {
      child.kill(signal);
      return exited;
    },
  };
}

const status = async (url: string): Promise<number> => (await fetch(url)).status;

describe('chains stack serve', () => {
  it('starts every service, writes the trusted root, stops all on SIGINT and keeps identities on restart', async () => {
    const dir = tempDir('stack-');
    const s = await startStackChild(dir);
    const l = s.lines;
    expect(Object.keys(l).sort()).toEqual([
      'console',
      'ctlog',
      'fulcio',
      'oidc issuer',
      'registry',
      'rekor',
      'trusted root',
    ]);
    expect(l['trusted root']).toBe(join(dir, 'trusted_root.json'));
    expect(await status(`http://${l.registry}/v2/`)).toBe(200);
    expect(await status(`${l.rekor}/api/v1/log`)).toBe(200);
    expect(await status(`${l.fulcio}/api/v2/trustBundle`)).toBe(200);
    expect(await status(`${l.ctlog}/ct/v1/get-sth`)).toBe(200);
    expect(await status(`${l['oidc issuer']}/.well-known/openid-configuration`)).toBe(200);
    // the console pins the stack's log key from its trusted root and reads images from its registry only
    const cfg = (await (await fetch(`${l.console}/api/config`)).json()) as {
      rekorUrl: string;
      trust: { source: string };
    };
    expect(cfg).toMatchObject({ rekorUrl: l.rekor, trust: { source: 'trusted-root' } });
    expect(await status(`${l.console}/api/images/${encodeURIComponent('elsewhere.example/x:1')}`)).toBe(400);
    const root = JSON.parse(readFileSync(join(dir, 'trusted_root.json'), 'utf8')) as TrustedRootJson;
    expect(root.tlogs[0]?.baseUrl).toBe(l.rekor);
    expect(root.ctlogs[0]?.baseUrl).toBe(l.ctlog);
    expect(root.certificateAuthorities[0]?.uri).toBe(l.fulcio);
    expect(await s.stop('SIGINT')).toBe(0);
    for (const url of [`${l.rekor}/api/v1/log`, `${l.ctlog}/ct/v1/get-sth`, `${l.fulcio}/api/v2/trustBundle`])
      await expect(fetch(url)).rejects.toThrow();
    const again = await startStackChild(dir);
    const root2 = JSON.parse(readFileSync(join(dir, 'trusted_root.json'), 'utf8')) as TrustedRootJson;
    expect(root2.tlogs[0]?.logId).toEqual(root.tlogs[0]?.logId);
    expect(root2.ctlogs[0]?.logId).toEqual(root.ctlogs[0]?.logId);
    expect(root2.certificateAuthorities[0]?.certChain).toEqual(root.certificateAuthorities[0]?.certChain);
    expect(await again.stop('SIGTERM')).toBe(0);
  }, 120_000);

  it('a service that cannot start stops the ones already started', async () => {
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const taken = (busy.address() as AddressInfo).port;
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const oidcPort = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const ports = { registry: 0, tlog: 0, ctlog: 0, oidc: oidcPort, ca: taken };
    await expect(startStack({ dir: tempDir('stack-fail-'), ports })).rejects.toMatchObject({
      code: 'EADDRINUSE',
    });
    // the issuer started first was closed again: its port is free
    const again = createServer();
    await new Promise<void>((resolve, reject) =>
      again.once('error', reject).listen(oidcPort, '127.0.0.1', resolve),
    );
    again.close();
    busy.close();
  });
});
