import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { CHAINS_BIN, startLogChild, tempDir } from '../lib/common.ts';
import { runChains, type Check } from './run.ts';

const mode = (p: string): string => {
  try {
    return (statSync(p).mode & 0o777).toString(8).padStart(4, '0');
  } catch {
    return 'missing';
  }
};

/** `chains ctlog serve` under umask 000 until it listens (it writes its key on start), then SIGTERM. */
async function ctlogUntilListening(dir: string): Promise<void> {
  const args = ['ctlog', 'serve', '--addr', '127.0.0.1:0', '--dir', dir];
  const child = spawn('sh', ['-c', 'umask 000; exec "$0" "$@"', CHAINS_BIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve) => {
    child.stdout.on('data', (d: Buffer) => d.toString().includes('listening') && resolve());
    child.once('exit', () => resolve());
  });
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await gone;
}

/** Files holding secrets are 0600 even under umask 000 (key pair, log key, tlog state, signature output, CA, OIDC issuer and CT log keys). */
export async function modeChecks(): Promise<Check[]> {
  const work = tempDir('modes');
  const env = { COSIGN_PASSWORD: 'pw', CHAINS_HOME: join(work, 'home') };
  await runChains(['generate-key-pair'], { cwd: work, env });
  writeFileSync(join(work, 'b.txt'), 'b');
  await runChains(
    ['sign-blob', '--key', 'cosign.key', '--tlog-upload=false', '--output-signature', 'b.sig', 'b.txt'],
    {
      cwd: work,
      env,
    },
  );
  await runChains(['ca', 'init', '--dir', join(work, 'ca')], { cwd: work, env: { CHAINS_CA_PASSWORD: '' } });
  await runChains(['ca', 'init', '--dir', join(work, 'ca-enc')], {
    cwd: work,
    env: { CHAINS_CA_PASSWORD: 'pw' },
  });
  await runChains(['oidc', 'rotate', '--dir', join(work, 'oidc')], { cwd: work, env });
  await ctlogUntilListening(join(work, 'ctlog'));
  const log = await startLogChild(join(work, 'log.db'));
  const info = await runChains(['tlog', 'loginfo', '--rekor-server', log.url], { cwd: work, env });
  await log.stop();
  const want: [string, string, string][] = [
    ['cosign.key (generate-key-pair)', join(work, 'cosign.key'), '0600'],
    ['log private key (<db>.key, tlog serve)', join(work, 'log.db.key'), '0600'],
    ['tlog state (loginfo)', join(work, 'home', 'tlog-state.json'), '0600'],
    ['signature (--output-signature)', join(work, 'b.sig'), '0600'],
    ['CA intermediate key (ca init, plain PKCS#8)', join(work, 'ca', 'intermediate-key.pem'), '0600'],
    ['CA root key (ca init, plain PKCS#8)', join(work, 'ca', 'root-key.pem'), '0600'],
    ['CA intermediate key (ca init, encrypted)', join(work, 'ca-enc', 'intermediate-key.pem'), '0600'],
    ['CA directory', join(work, 'ca'), '0700'],
    ['OIDC issuer signing keys (oidc rotate)', join(work, 'oidc', 'signing-keys.json'), '0600'],
    ['CT log key (ctlog serve)', join(work, 'ctlog', 'ctlog.key'), '0600'],
    ['CT log directory', join(work, 'ctlog'), '0700'],
  ];
  const out: Check[] = want.map(([name, p, m]) => ({
    name: `file mode under umask 000: ${name}`,
    ok: mode(p) === m,
    detail: `${mode(p)} (want ${m})${mode(p) === 'missing' ? `; loginfo: ${info.out.trim().slice(0, 200)}` : ''}`,
  }));
  out.push({
    name: 'file mode: cosign.pub is public (info)',
    ok: true,
    detail: mode(join(work, 'cosign.pub')),
  });
  out.push({
    name: 'file mode: log database (info: entries are public)',
    ok: true,
    detail: mode(join(work, 'log.db')),
  });
  return out;
}

/** In-process variant for tests: log key and tlog state written under umask 000, plus files of a CLI work dir. */
export async function modeChecksInProcess(cliWork?: string): Promise<Check[]> {
  const work = tempDir('modes-ip');
  const old = process.umask(0);
  try {
    const { startLogServer } = await import('../../src/tlog/server/index.ts');
    const { RekorClient, checkLogInfo } = await import('../../src/tlog/client/index.ts');
    const { initCa } = await import('../../src/ca/index.ts');
    const { rotateKeys } = await import('../../src/oidc/issuer/index.ts');
    await initCa(join(work, 'ca'));
    await rotateKeys(join(work, 'oidc'));
    const { startCtLogServer } = await import('../../src/ctlog/server/index.ts');
    await (await startCtLogServer({ dir: join(work, 'ctlog'), addr: '127.0.0.1:0' })).close();
    const log = await startLogServer({ dbPath: join(work, 'log.db'), addr: '127.0.0.1:0' });
    try {
      await checkLogInfo(new RekorClient(log.url), log.publicKeyPem, join(work, 'home', 'tlog-state.json'));
    } finally {
      await log.close();
    }
  } finally {
    process.umask(old);
  }
  const want: [string, string][] = [
    ['log private key (<db>.key)', join(work, 'log.db.key')],
    ['tlog state (loginfo)', join(work, 'home', 'tlog-state.json')],
    ['CA intermediate key (initCa)', join(work, 'ca', 'intermediate-key.pem')],
    ['CA root key (initCa)', join(work, 'ca', 'root-key.pem')],
    ['OIDC issuer signing keys (rotateKeys)', join(work, 'oidc', 'signing-keys.json')],
    ['CT log key (startCtLogServer)', join(work, 'ctlog', 'ctlog.key')],
  ];
  if (cliWork) want.push(['cosign.key (generate-key-pair)', join(cliWork, 'cosign.key')]);
  return want.map(([name, p]) => ({
    name: `file mode under umask 000: ${name}`,
    ok: mode(p) === '0600',
    detail: `${mode(p)} (want 0600)`,
  }));
}
