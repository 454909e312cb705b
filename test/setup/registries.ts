import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** Coordinates of the real Debian `docker-registry` instances the test setup starts on 127.0.0.1. */
export interface TestRegistries {
  /** plain HTTP, no auth, e.g. 127.0.0.1:40123 */
  plain: string;
  /** plain HTTP with htpasswd Basic auth */
  auth: string;
  /** HTTPS (self-signed CA at caCert) with htpasswd Basic auth */
  tls: string;
  user: string;
  password: string;
  caCert: string;
  /** directory holding ca.crt, for skopeo --cert-dir */
  certDir: string;
}

export const REGISTRY_BIN = '/usr/bin/docker-registry';

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => res(port));
    });
  });
}

function config(root: string, addr: string, extra: string): string {
  return [
    'version: 0.1',
    'log: {level: error, accesslog: {disabled: true}}',
    'storage:',
    `  filesystem: {rootdirectory: ${root}}`,
    '  delete: {enabled: true}',
    'http:',
    `  addr: ${addr}`,
    '  secret: chains-test-secret',
    extra,
  ].join('\n');
}

async function waitReady(url: string, ca?: string): Promise<void> {
  const args = ['-s', '-o', '/dev/null', '-w', '%{http_code}', ...(ca ? ['--cacert', ca] : []), url];
  for (let i = 0; i < 300; i++) {
    try {
      const code = execFileSync('curl', args, { encoding: 'utf8' }).trim();
      if (code === '200' || code === '401') return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`registry at ${url} did not start`);
}

/** Start plain, Basic-auth and TLS+auth registries in `dir`; returns coordinates and a stop function. */
export async function startRegistries(dir: string): Promise<{ regs: TestRegistries; stop: () => void }> {
  if (!existsSync(REGISTRY_BIN)) {
    throw new Error(`${REGISTRY_BIN} not found: install Debian's docker-registry (see .ci/run)`);
  }
  mkdirSync(dir, { recursive: true });
  const user = 'alice';
  const password = 's3cret-test';
  const htpasswd = execFileSync('htpasswd', ['-Bbn', user, password], { encoding: 'utf8' });
  writeFileSync(join(dir, 'htpasswd'), htpasswd);
  const certDir = join(dir, 'certs');
  mkdirSync(certDir, { recursive: true });
  const caCert = join(certDir, 'ca.crt');
  const key = join(dir, 'tls.key');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout',
      key,
      '-out',
      caCert,
    ],
    { stdio: 'ignore' },
  );
  const auth = `  auth: {htpasswd: {realm: chains-test, path: ${join(dir, 'htpasswd')}}}`;
  const [p1, p2, p3] = [await freePort(), await freePort(), await freePort()];
  const specs = [
    { name: 'plain', addr: `127.0.0.1:${p1}`, extra: '' },
    { name: 'auth', addr: `127.0.0.1:${p2}`, extra: auth.replace('  auth', 'auth') },
    {
      name: 'tls',
      addr: `127.0.0.1:${p3}`,
      extra: `  tls: {certificate: ${caCert}, key: ${key}}\n${auth.replace('  auth', 'auth')}`,
    },
  ];
  const procs: ChildProcess[] = [];
  for (const s of specs) {
    const cfg = join(dir, `${s.name}.yml`);
    writeFileSync(cfg, config(join(dir, s.name), s.addr, s.extra));
    const p = spawn(REGISTRY_BIN, ['serve', cfg], { stdio: 'ignore', detached: false });
    procs.push(p);
  }
  await waitReady(`http://127.0.0.1:${p1}/v2/`);
  await waitReady(`http://127.0.0.1:${p2}/v2/`);
  await waitReady(`https://127.0.0.1:${p3}/v2/`, caCert);
  const stop = (): void => {
    for (const p of procs) p.kill('SIGTERM');
  };
  return {
    regs: {
      plain: `127.0.0.1:${p1}`,
      auth: `127.0.0.1:${p2}`,
      tls: `127.0.0.1:${p3}`,
      user,
      password,
      caCert,
      certDir,
    },
    stop,
  };
}
