import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, chains } from '../keys/helpers.ts';
import { tempDir } from '../oidc/helpers.ts';
import { post, v2Request } from './helpers.ts';

const children: ChildProcess[] = [];
afterAll(() => children.forEach((c) => c.kill('SIGTERM')));

/** Start a long-running chains command and wait for the line `re` matches; resolves its first group. */
function start(
  args: string[],
  re: RegExp,
  env: Record<string, string> = {},
): Promise<{ url: string; out: () => string }> {
  const child = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  children.push(child);
  let out = '';
  return new Promise((resolve, reject) => {
    const on = (d: Buffer): void => {
      out += d.toString();
      const m = re.exec(out);
      if (m?.[1]) resolve({ url: m[1], out: () => out });
    };
    child.stdout.on('data', on);
    child.stderr.on('data', on);
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code}: ${out}`)));
  });
}

describe('chains ca init / serve', () => {
  it('init with CHAINS_CA_PASSWORD encrypts the keys (cosign envelope), 0600; serve needs the password', async () => {
    const dir = tempDir('ca-');
    const env = { CHAINS_CA_PASSWORD: 'correct horse' };
    const init = await chains(['ca', 'init', '--dir', join(dir, 'ca')], { cwd: dir, env });
    expect(init.code).toBe(0);
    for (const f of ['root-key.pem', 'intermediate-key.pem']) {
      const p = join(dir, 'ca', f);
      expect(statSync(p).mode & 0o777).toBe(0o600);
      expect(readFileSync(p, 'utf8')).toMatch(/^-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----/);
    }
    const again = await chains(['ca', 'init', '--dir', join(dir, 'ca')], { cwd: dir, env });
    expect(again.stderr).toMatch(/already holds a CA.*\[CA_STATE\]/);
    const noPw = await chains(['ca', 'serve', '--dir', join(dir, 'ca'), '--addr', '127.0.0.1:0'], {
      cwd: dir,
      env: { CHAINS_CA_PASSWORD: '' },
    });
    expect(noPw.stderr).toMatch(/CHAINS_CA_PASSWORD \[CA_PASSWORD\]/);
    const wrong = await chains(['ca', 'serve', '--dir', join(dir, 'ca'), '--addr', '127.0.0.1:0'], {
      cwd: dir,
      env: { CHAINS_CA_PASSWORD: 'nope' },
    });
    expect(wrong.stderr).toMatch(/\[CA_PASSWORD\]/);
    const s = await start(
      ['ca', 'serve', '--dir', join(dir, 'ca'), '--addr', '127.0.0.1:0'],
      /ca listening on (\S+)/,
      env,
    );
    expect((await fetch(`${s.url}/api/v2/trustBundle`)).status).toBe(200);
  });

  it('oidc serve + ca serve (empty dir, --config): a token from oidc token gets a certificate; no key in any output', async () => {
    const dir = tempDir('stack-');
    const iss = await start(
      ['oidc', 'serve', '--dir', join(dir, 'oidc'), '--addr', '127.0.0.1:0'],
      /oidc issuer (\S+) listening/,
    );
    writeFileSync(
      join(dir, 'issuers.yaml'),
      `oidc-issuers:\n  ${iss.url}:\n    issuer-url: ${iss.url}\n    client-id: sigstore\n    type: kubernetes\n`,
    );
    const ca = await start(
      [
        'ca',
        'serve',
        '--dir',
        join(dir, 'ca'),
        '--addr',
        '127.0.0.1:0',
        '--config',
        join(dir, 'issuers.yaml'),
      ],
      /ca listening on (\S+)/,
      { CHAINS_CA_PASSWORD: '' },
    );
    expect(statSync(join(dir, 'ca', 'intermediate-key.pem')).mode & 0o777).toBe(0o600);
    const t = await chains(['oidc', 'token', '--dir', join(dir, 'oidc'), '--kubernetes-sa', 'ns/sa'], {
      cwd: dir,
    });
    const res = await post(
      `${ca.url}/api/v2/signingCert`,
      v2Request(t.stdout.trim(), 'system:serviceaccount:ns:sa').body,
    );
    expect(res.status).toBe(200);
    const key = readFileSync(join(dir, 'ca', 'intermediate-key.pem'), 'utf8').split('\n')[1] ?? 'x';
    expect(ca.out() + iss.out() + t.stdout + t.stderr).not.toContain(key);

    // a CA whose CT log is down: 503, one log line naming the reason, no token or key in it
    const down = await start(
      [
        'ca',
        'serve',
        '--dir',
        join(dir, 'ca'),
        '--addr',
        '127.0.0.1:0',
        '--config',
        join(dir, 'issuers.yaml'),
        '--ctlog-url',
        'http://127.0.0.1:9',
      ],
      /ca listening on (\S+)/,
      { CHAINS_CA_PASSWORD: '' },
    );
    const token = t.stdout.trim();
    const r = await post(
      `${down.url}/api/v2/signingCert`,
      v2Request(token, 'system:serviceaccount:ns:sa').body,
    );
    expect(r.status).toBe(503);
    await new Promise((res) => setTimeout(res, 200));
    expect(down.out()).toMatch(
      /POST \/api\/v2\/signingCert 503 CT_LOG_UNAVAILABLE: Error entering certificate in CTL/,
    );
    expect(down.out()).not.toContain(token.split('.')[2] ?? 'x');
    expect(down.out()).not.toContain(key);
  });
});
