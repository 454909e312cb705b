import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { finishedKanikoTaskRun } from '../../src/demo/kaniko-run.ts';
import { startTestLog, tempDir } from './harness.ts';
import type { TestLog } from './harness.ts';

const CHAINS = resolve(import.meta.dirname, '../../bin/chains');

/** Start bin/chains and wait for `console listening on URL` on its output. */
function startCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  pattern = /console listening on (\S+)/,
): Promise<{ child: ChildProcess; url: string; out: () => string }> {
  const child = spawn(CHAINS, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((res, rej) => {
    const on = (d: Buffer): void => {
      out += d.toString();
      const m = pattern.exec(out);
      if (m?.[1]) res({ child, url: m[1], out: () => out });
    };
    child.stdout?.on('data', on);
    child.stderr?.on('data', on);
    child.once('exit', (c) => rej(new Error(`exited ${c}: ${out}`)));
  });
}

async function stop(child: ChildProcess | undefined): Promise<number | null> {
  if (!child || child.exitCode !== null) return child?.exitCode ?? null;
  const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  child.kill('SIGTERM');
  return exited;
}

describe('console from the CLI', () => {
  let log: TestLog;
  let dir: string;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    dir = tempDir();
    log = await startTestLog(dir);
  }, 60_000);

  afterAll(async () => {
    for (const c of children) await stop(c);
    await log?.server.close();
  });

  it('chains console binds loopback, pins the log key and answers the pages; a bad key file is a coded error', async () => {
    const c = await startCli([
      'console',
      '--addr',
      '127.0.0.1:0',
      '--rekor-url',
      log.server.url,
      '--rekor-public-key',
      log.keyFile,
    ]);
    children.push(c.child);
    expect(c.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const cfg = (await (await fetch(`${c.url}/api/config`)).json()) as { trust: { source: string } };
    expect(cfg.trust.source).toBe('rekor-public-key');
    expect((await fetch(`${c.url}/log`)).status).toBe(200);
    expect(await stop(c.child)).toBe(0);
    writeFileSync(join(dir, 'bad.pub'), 'not a key');
    writeFileSync(join(dir, 'bad-root.json'), '{"tlogs": []}');
    const refused = async (flag: string, file: string): Promise<string> => {
      const bad = spawn(CHAINS, [
        'console',
        '--addr',
        '127.0.0.1:0',
        '--rekor-url',
        log.server.url,
        flag,
        file,
      ]);
      let err = '';
      bad.stderr.on('data', (d: Buffer) => (err += d.toString()));
      expect(await new Promise((r) => bad.once('exit', r))).toBe(1);
      return err;
    };
    expect(await refused('--rekor-public-key', join(dir, 'bad.pub'))).toMatch(
      /bad\.pub is not a public key.*\[CONSOLE_TRUST\]/,
    );
    expect(await refused('--trusted-root', join(dir, 'bad-root.json'))).toMatch(
      /bad-root\.json is not a trusted root with tlogs \[CONSOLE_TRUST\]/,
    );
    expect(await refused('--rekor-public-key', join(dir, 'missing.pub'))).toMatch(
      /cannot read log key .*missing\.pub: no such file \[CLI_READ\]/,
    );
  });

  it('controller --local --console serves the runs the controller signs', async () => {
    const runs = join(dir, 'runs');
    mkdirSync(runs);
    const key = join(dir, 'x509.pem');
    writeFileSync(
      key,
      generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }),
      { mode: 0o600 },
    );
    const cfg = join(dir, 'config.yaml');
    writeFileSync(
      cfg,
      stringify({
        'artifacts.taskrun.storage': 'tekton',
        'artifacts.oci.storage': '',
        'transparency.enabled': 'true',
        'transparency.url': log.server.url,
      }),
    );
    const run = finishedKanikoTaskRun({
      name: 'cli-run',
      uid: randomUUID(),
      image: '127.0.0.1:1/x',
      digest: `sha256:${'e'.repeat(64)}`,
    });
    writeFileSync(join(runs, 'cli-run.json'), JSON.stringify(run));
    const c = await startCli([
      'controller',
      '--local',
      runs,
      '--config',
      cfg,
      '--key',
      key,
      '--metrics-addr',
      '127.0.0.1:0',
      '--console',
      '127.0.0.1:0',
    ]);
    children.push(c.child);
    let status = '';
    for (let i = 0; i < 100 && status !== 'signed'; i++) {
      const r = (await (await fetch(`${c.url}/api/runs`)).json()) as {
        runs: { name: string; status: string }[];
      };
      status = r.runs.find((x) => x.name === 'cli-run')?.status ?? '';
      if (status !== 'signed') await new Promise((res) => setTimeout(res, 200));
    }
    expect(status).toBe('signed');
    const cfgAnswer = (await (await fetch(`${c.url}/api/config`)).json()) as {
      rekorUrl: string;
      trust: { source: string };
    };
    expect(cfgAnswer).toMatchObject({ rekorUrl: log.server.url, trust: { source: 'first-use' } });
    expect(await stop(c.child)).toBe(0);
  });

  it('demo --keep leaves the console running over its log, runs and image', async () => {
    const c = await startCli(
      ['demo', '--keep', '--dir', join(dir, 'demo')],
      {},
      /\n {2}console {3}(http:\S+)/,
    );
    children.push(c.child);
    const r = (await (await fetch(`${c.url}/api/runs`)).json()) as {
      runs: { name: string; status: string; images: { ref: string }[] }[];
    };
    expect(r.runs.map((x) => `${x.name}=${x.status}`)).toEqual(['kaniko-run=signed']);
    const cfg = (await (await fetch(`${c.url}/api/config`)).json()) as { trust: { source: string } };
    expect(cfg.trust.source).toBe('rekor-public-key');
    const ref = r.runs[0]?.images[0]?.ref ?? '';
    const img = (await (await fetch(`${c.url}/api/images/${encodeURIComponent(ref)}`)).json()) as {
      items: { verdict: string }[];
    };
    expect(img.items.map((i) => i.verdict)).toEqual(['verified', 'verified']);
    expect(c.out()).toContain('All checks passed.');
    expect(await stop(c.child)).toBe(0);
  }, 120_000);

  it('demo --keyless --keep leaves the console over the stack: keyless verdicts by the trusted root, search by identity', async () => {
    const sa = 'https://kubernetes.io/namespaces/default/serviceaccounts/default';
    const c = await startCli(
      ['demo', '--keyless', '--keep', '--dir', join(dir, 'demo-keyless')],
      {},
      /\n {2}console {3}(http:\S+)/,
    );
    children.push(c.child);
    const cfg = (await (await fetch(`${c.url}/api/config`)).json()) as { trust: { source: string } };
    expect(cfg.trust.source).toBe('trusted-root');
    const r = (await (await fetch(`${c.url}/api/runs`)).json()) as {
      runs: { name: string; status: string; images: { ref: string }[] }[];
    };
    expect(r.runs.map((x) => `${x.name}=${x.status}`)).toEqual(['kaniko-run=signed']);
    const ref = r.runs[0]?.images[0]?.ref ?? '';
    const img = (await (await fetch(`${c.url}/api/images/${encodeURIComponent(ref)}`)).json()) as {
      items: { verdict: string; checks?: string[] }[];
    };
    expect(img.items.map((i) => i.verdict)).toEqual(['verified', 'verified']);
    for (const i of img.items) expect(i.checks).toContain('chain');
    const found = (await (await fetch(`${c.url}/api/search?q=${encodeURIComponent(sa)}`)).json()) as {
      type: string;
      total: number;
    };
    expect(found).toEqual(expect.objectContaining({ type: 'identity', total: 2 }));
    expect(c.out()).toContain('All checks passed.');
    expect(await stop(c.child)).toBe(0);
  }, 120_000);
});
