import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The package as a user installs it: `npm pack` (dist/ is fresh from the global setup, so --ignore-scripts keeps
 * pack from rebuilding it under tests that are running it), then `npm install TARBALL` into an empty prefix from
 * the npm cache (better-sqlite3 compiles from source there: one to five minutes on a busy 2-core machine), then the
 * installed `chains` runs the whole tutorial.
 */
const ROOT = join(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
const work = mkdtempSync(join(tmpdir(), 'chains-pack-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Packed {
  filename: string;
  files: { path: string }[];
}

function pack(): Packed {
  const out = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  const [packed] = JSON.parse(out) as Packed[];
  if (!packed) throw new Error(`npm pack printed no package: ${out}`);
  return packed;
}

function install(tarball: string, prefix: string): void {
  const args = ['install', '--prefix', prefix, '--no-audit', '--no-fund', '--no-save', tarball];
  const offline = spawnSync('npm', [...args, '--offline'], { encoding: 'utf8', timeout: 900_000 });
  if (offline.status === 0) return;
  // a cache missing some package: allow the registry for what is missing
  const online = spawnSync('npm', [...args, '--prefer-offline'], { encoding: 'utf8', timeout: 900_000 });
  if (online.status !== 0)
    throw new Error(
      `npm install failed (${online.status ?? online.signal}):\n${offline.stderr}\n${online.stderr}`,
    );
}

describe('npm package (npm pack, npm install TARBALL)', () => {
  const packed = pack();
  const prefix = join(work, 'prefix');
  const chains = join(prefix, 'node_modules/.bin/chains');
  const home = join(work, 'home');
  const env = { PATH: process.env.PATH, HOME: home, CHAINS_HOME: join(home, '.chains') };

  it('holds the bundle, the launcher, the manifests, README and LICENSE, and nothing else', () => {
    const tops = new Set(packed.files.map((f) => f.path.split('/')[0]));
    expect([...tops].sort()).toEqual(['LICENSE', 'README.md', 'bin', 'config', 'dist', 'package.json']);
    const paths = packed.files.map((f) => f.path);
    expect(paths).toContain('dist/chains.js');
    expect(paths).toContain('dist/verify-worker.js');
    expect(paths.filter((p) => p.startsWith('bin/'))).toEqual(['bin/chains']);
    expect(paths.filter((p) => p.endsWith('.ts'))).toEqual([]);
  });

  it('installs into an empty prefix and `chains demo` runs the whole tutorial from there', () => {
    install(join(work, packed.filename), prefix);
    const r = spawnSync(chains, ['demo'], { cwd: work, encoding: 'utf8', env, timeout: 180_000 });
    expect(r.stderr + r.stdout).not.toMatch(/Cannot find (module|package)/);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/signed=true|chains\.tekton\.dev\/signed/);
  }, 2_000_000);

  it('`chains version` names the package version and the commit it was built from', () => {
    const r = spawnSync(chains, ['version', '--json'], { encoding: 'utf8', env });
    expect(r.status, r.stderr).toBe(0);
    const v = JSON.parse(r.stdout) as { version: string; gitCommit: string };
    expect(v.version).toBe(pkg.version);
    const head = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
    if (head.status !== 0) expect(v.gitCommit).toBe('unknown');
    else {
      // the commit dist/ was built from: HEAD, or an ancestor when something was committed since the build
      expect(v.gitCommit).toMatch(/^[0-9a-f]{40}$/);
      const ancestor = spawnSync('git', ['merge-base', '--is-ancestor', v.gitCommit, 'HEAD'], { cwd: ROOT });
      expect(ancestor.status).toBe(0);
    }
    const text = spawnSync(chains, ['version'], { encoding: 'utf8', env }).stdout;
    expect(text).toMatch(new RegExp(`^Version: +${pkg.version.replace(/\./g, '\\.')}$`, 'm'));
    expect(text).toMatch(new RegExp(`^GitCommit: +${v.gitCommit}$`, 'm'));
  });

  it('`chains console` serves the prebuilt browser app (no esbuild in the install)', async () => {
    const child = spawn(chains, ['console', '--addr', '127.0.0.1:0', '--rekor-url', 'http://127.0.0.1:9'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const url = await new Promise<string>((ok, fail) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /listening on (\S+)/.exec(out);
          if (m?.[1]) ok(m[1]);
        });
        child.once('exit', (code) => fail(new Error(`console exited ${code}`)));
      });
      const r = await fetch(`${url}/assets/app.js`);
      expect(r.status).toBe(200);
      expect((await r.arrayBuffer()).byteLength).toBeGreaterThan(1000);
    } finally {
      child.kill();
    }
  });
});
