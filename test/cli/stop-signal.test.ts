import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair } from '../../src/keys/index.ts';
import { startLogServer } from '../../src/tlog/server/index.ts';
import type { RunningLogServer } from '../../src/tlog/server/index.ts';
import { kubeConfigYaml, startFakeKubeApiServer, type FakeKubeApiServer } from '../fakes/kube-apiserver.ts';

const BIN = resolve(import.meta.dirname, '../../bin/chains');
const dir = mkdtempSync(join(tmpdir(), 'stop-signal-'));
let log: RunningLogServer;
let kube: FakeKubeApiServer;
const b64 = (s: string): string => Buffer.from(s).toString('base64');

beforeAll(async () => {
  log = await startLogServer({ dbPath: join(dir, 'tlog.db'), addr: '127.0.0.1:0', verifyWorkers: 0 });
  kube = await startFakeKubeApiServer();
  const pair = await generateKeyPair('p');
  kube.store.create('secrets', 'tekton-chains', {
    metadata: { name: 'signing-secrets' },
    data: { 'cosign.key': b64(pair.privateKeyPem), 'cosign.password': b64('p') },
  });
  writeFileSync(join(dir, 'kubeconfig'), kubeConfigYaml(kube));
  mkdirSync(join(dir, 'runs'));
  const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  writeFileSync(join(dir, 'x509.pem'), key.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
}, 60_000);
afterAll(async () => {
  await log?.close();
  await kube?.close();
});

/**
 * Start the command and send SIGTERM in the same callback that sees its ready line: a supervisor may do exactly
 * that. Resolves how the process ended and what it printed.
 */
function signalAtReady(
  args: string[],
  ready: RegExp,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; sent: boolean }> {
  const child = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
  let out = '';
  let sent = false;
  const on = (d: Buffer): void => {
    out += d.toString();
    if (!sent && ready.test(out)) sent = child.kill('SIGTERM');
  };
  child.stdout.on('data', on);
  child.stderr.on('data', on);
  return new Promise((r) => child.once('exit', (code, signal) => r({ code, signal, out, sent })));
}

const addr = ['--addr', '127.0.0.1:0'];
const cases: [string, () => string[], RegExp][] = [
  ['console', () => ['console', ...addr, '--rekor-url', log.url], /console listening on/],
  [
    'controller --local --console',
    () => [
      'controller',
      '--local',
      join(dir, 'runs'),
      '--key',
      join(dir, 'x509.pem'),
      '--metrics-addr',
      '127.0.0.1:0',
      '--console',
      '127.0.0.1:0',
    ],
    /watching run files/,
  ],
  [
    'controller --kubeconfig',
    () => ['controller', '--kubeconfig', join(dir, 'kubeconfig'), '--metrics-addr', '127.0.0.1:0'],
    /controller started/,
  ],
  ['ca serve', () => ['ca', 'serve', ...addr, '--dir', join(dir, 'ca')], /ca listening on/],
  ['oidc serve', () => ['oidc', 'serve', ...addr, '--dir', join(dir, 'oidc')], /listening on/],
  ['tlog serve', () => ['tlog', 'serve', ...addr, '--db', join(dir, 'serve.db')], /tlog listening on/],
  ['ctlog serve', () => ['ctlog', 'serve', ...addr, '--dir', join(dir, 'ctlog')], /ctlog listening on/],
  ['registry serve', () => ['registry', 'serve', ...addr], /serving OCI registry/],
  ['demo --keep', () => ['demo', '--keep', '--dir', join(dir, 'demo')], /\n {2}console {3}http/],
];

describe('long-running commands stop cleanly on a SIGTERM sent as soon as they say they are ready', () => {
  it.each(cases)(
    '%s',
    async (_name, args, ready) => {
      const r = await signalAtReady(args(), ready);
      expect(r.sent).toBe(true);
      expect({ code: r.code, signal: r.signal }, r.out).toEqual({ code: 0, signal: null });
    },
    60_000,
  );
});
