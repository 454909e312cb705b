import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The container image (Dockerfile) ships the bundle (dist/, built from the sources by the global setup here, by
 * the build stage there), bin/chains, package.json and `npm ci --omit=dev`. No Docker daemon runs here, so these
 * tests rebuild that file set from package-lock.json and run the product from it.
 */
const ROOT = new URL('..', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
};
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { dev?: boolean }>;
};

/** Every file of the bundle. */
function bundle(): string[] {
  const dist = join(ROOT, 'dist');
  return readdirSync(dist)
    .filter((n) => n.endsWith('.js'))
    .map((n) => join(dist, n));
}

/** Bare package names a bundle file imports (static and dynamic), e.g. `@kubernetes/client-node`, `zod`. */
function packagesImported(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [
    ...text.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s*"([^"]+)";$/gm), // esbuild prints one per line
    ...text.matchAll(/^import\s*"([^"]+)";$/gm),
    ...text.matchAll(/\bimport\(\s*"([^"]+)"\s*\)/g),
  ]
    .map((m) => m[1] ?? '')
    .filter((s) => !s.startsWith('.'));
  return specs
    .filter((s) => !s.startsWith('node:') && !builtinModules.includes(s))
    .map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : (s.split('/')[0] ?? s)));
}

/** What `npm ci --omit=dev` installs: the lock file's non-dev packages (nested ones come with their parent). */
function productionInstall(): string {
  const app = mkdtempSync(join(tmpdir(), 'chains-image-'));
  mkdirSync(join(app, 'bin'));
  for (const f of ['package.json', 'package-lock.json', 'bin/chains']) cpSync(join(ROOT, f), join(app, f));
  cpSync(join(ROOT, 'dist'), join(app, 'dist'), { recursive: true });
  for (const [path, meta] of Object.entries(lock.packages)) {
    if (!path || meta.dev || !/^node_modules\/(@[^/]+\/)?[^/]+$/.test(path)) continue;
    if (!existsSync(join(ROOT, path))) continue; // an optional package for another platform
    mkdirSync(dirname(join(app, path)), { recursive: true });
    execFileSync('cp', ['-al', join(ROOT, path), join(app, path)]); // hard links: fast, same bytes
  }
  return app;
}

describe('container image contents (Dockerfile: production dependencies only)', () => {
  it('every package the product imports is a production dependency', () => {
    const files = bundle();
    expect(files.length).toBeGreaterThan(2);
    const missing = files
      .flatMap((f) => packagesImported(f).map((p) => ({ f, p })))
      .filter(({ p }) => !(p in pkg.dependencies))
      .map(({ f, p }) => `${f.slice(ROOT.length)} imports ${p}`);
    // one exception: the console builds its browser app with esbuild when run from the sources; the bundle
    // serves the prebuilt dist/console/ and never reaches that import (test/package/install.test.ts runs the
    // console from an install without esbuild)
    const consoleChunk = files.find((f) => readFileSync(f, 'utf8').includes('\n// src/console/assets.ts\n'));
    expect(consoleChunk).toBeDefined();
    const allowed = `${consoleChunk?.slice(ROOT.length)} imports esbuild`;
    expect(missing.filter((m) => m !== allowed)).toEqual([]);
  });

  it('the Dockerfile ships what bin/chains runs, as a non-root user with the heap cap', () => {
    const docker = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    expect(docker).toMatch(/npm ci --omit=dev/);
    expect(docker).toMatch(/RUN .*npm run build/);
    for (const copied of ['bin/chains', 'package.json']) expect(docker).toMatch(new RegExp(`COPY ${copied}`));
    expect(docker).toMatch(/COPY --from=deps \/app\/node_modules/);
    expect(docker).toMatch(/COPY --from=build \/app\/dist/);
    // the final stage runs the bundle only: no sources, no TypeScript loader
    const final = docker.slice(docker.lastIndexOf('\nFROM '));
    expect(final).not.toMatch(/COPY (src|bin |bin$)|ts-loader/m);
    expect(docker).toMatch(/^USER 65532/m);
    expect(docker).toMatch(/ENTRYPOINT \["\.\/bin\/chains"\]/);
    expect(docker).toMatch(/--max-old-space-size=\d+/);
  });

  it('runs the whole tutorial (`chains demo`) from a production-only install', () => {
    const app = productionInstall();
    const home = mkdtempSync(join(tmpdir(), 'chains-image-home-'));
    const r = spawnSync(join(app, 'bin/chains'), ['demo'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: home, CHAINS_HOME: join(home, '.chains') },
      timeout: 120_000,
    });
    rmSync(app, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
    expect(r.stderr + r.stdout).not.toMatch(/Cannot find (module|package)/);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/signed=true|chains\.tekton\.dev\/signed/);
  }, 150_000);

  it('serves the web console from a production-only install (the app prebuilt in dist/console/)', async () => {
    const app = productionInstall();
    const child = spawn(
      join(app, 'bin/chains'),
      ['console', '--addr', '127.0.0.1:0', '--rekor-url', 'http://127.0.0.1:9'],
      {
        env: { PATH: process.env.PATH, HOME: tmpdir() },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    try {
      let out = '';
      const url = await new Promise<string>((res, rej) => {
        const on = (d: Buffer): void => {
          out += d.toString();
          const m = /console listening on (\S+)/.exec(out);
          if (m?.[1]) res(m[1]);
        };
        child.stdout.on('data', on);
        child.stderr.on('data', on);
        child.once('exit', (c) => rej(new Error(`exited ${c}: ${out}`)));
      });
      const js = await fetch(`${url}/assets/app.js`);
      expect(js.status).toBe(200);
      expect((await js.text()).length).toBeGreaterThan(10_000);
    } finally {
      child.kill('SIGTERM');
      rmSync(app, { recursive: true, force: true });
    }
  }, 60_000);
});
