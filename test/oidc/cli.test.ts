import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TokenVerifier, singleIssuer } from '../../src/oidc/index.ts';
import { BIN, chains } from '../keys/helpers.ts';
import { tempDir } from './helpers.ts';

const children: ChildProcess[] = [];
afterAll(() => children.forEach((c) => c.kill('SIGTERM')));

/** Start `chains oidc serve` and wait for its address line. */
function serve(dir: string): Promise<string> {
  const child = spawn(BIN, ['oidc', 'serve', '--addr', '127.0.0.1:0', '--dir', dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /oidc issuer (\S+) listening/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`oidc serve exited ${code}`)));
  });
}

describe('chains oidc serve / token / rotate', () => {
  it('serves, mints verifiable tokens, rotates without a restart; keys 0600', async () => {
    const dir = tempDir();
    const url = await serve(dir);
    expect(statSync(join(dir, 'signing-keys.json')).mode & 0o777).toBe(0o600);
    const t1 = await chains(
      ['oidc', 'token', '--dir', dir, '--kubernetes-sa', 'tekton-chains/tekton-chains-controller'],
      { cwd: dir },
    );
    expect(t1.code).toBe(0);
    const v = new TokenVerifier(singleIssuer({ issuerUrl: url, clientId: 'sigstore', type: 'kubernetes' }), {
      jwksCooldownMs: 0,
    });
    const p = await v.verify(t1.stdout.trim());
    expect(p.san.value).toBe(
      'https://kubernetes.io/namespaces/tekton-chains/serviceaccounts/tekton-chains-controller',
    );

    const r = await chains(['oidc', 'rotate', '--dir', dir], { cwd: dir });
    expect(r.stdout).toMatch(/2 published/);
    const t2 = await chains(
      ['oidc', 'token', '--dir', dir, '--subject', 'u1', '--email', 'dev@example.com', '--ttl', '2m'],
      {
        cwd: dir,
      },
    );
    const payload = JSON.parse(Buffer.from(t2.stdout.split('.')[1] ?? '', 'base64url').toString()) as Record<
      string,
      number
    >;
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(120);
    const e = new TokenVerifier(singleIssuer({ issuerUrl: url, clientId: 'sigstore', type: 'email' }));
    expect((await e.verify(t2.stdout.trim())).name).toBe('dev@example.com');
    expect(statSync(join(dir, 'signing-keys.json')).mode & 0o777).toBe(0o600);
    // the private keys never reach the outputs
    const secret = JSON.parse(readFileSync(join(dir, 'signing-keys.json'), 'utf8')) as {
      keys: { pem: string }[];
    };
    for (const k of secret.keys)
      for (const o of [t1, t2, r]) expect(o.stdout + o.stderr).not.toContain(k.pem.split('\n')[1]);
  });

  it('token without a recorded issuer or subject fails with a code; help says development only', async () => {
    const dir = tempDir();
    const a = await chains(['oidc', 'token', '--dir', dir, '--subject', 's'], { cwd: dir });
    expect(a.code).toBe(1);
    expect(a.stderr).toMatch(/OIDC_ISSUER_STATE/);
    const b = await chains(['oidc', 'token', '--dir', dir, '--issuer', 'http://127.0.0.1:1'], { cwd: dir });
    expect(b.stderr).toMatch(/OIDC_CLAIMS/);
    const h = await chains(['oidc', 'token', '--help'], { cwd: dir });
    expect(h.stdout).toMatch(/development, demos\s+and\s+tests\s+only/);
  });
});
