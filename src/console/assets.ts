import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConsoleError } from './errors.ts';

/** The console's static files, served from memory: the app bundle, its stylesheet and the HTML shell. */
export interface ConsoleAssets {
  js: Buffer;
  css: Buffer;
  html: Buffer;
}

const APP_DIR = resolve(import.meta.dirname, 'app');

/** The one HTML page every address returns; the app routes on the client. No inline script or style. */
const SHELL = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Chains console</title>
<link rel="stylesheet" href="/assets/app.css">
<script type="module" src="/assets/app.js"></script>
</head>
<body><div id="app"><noscript>The Chains console needs JavaScript.</noscript></div></body>
</html>
`;

/** Bundle the app with esbuild: preact through its automatic JSX runtime, minified, no source of data inlined. */
async function bundle(): Promise<{ js: Buffer; css: Buffer }> {
  try {
    // loaded only when the assets are built: a packaged console serves the prebuilt files without esbuild
    const { build } = await import('esbuild');
    const r = await build({
      entryPoints: [join(APP_DIR, 'main.tsx')],
      bundle: true,
      write: false,
      outfile: 'app.js',
      format: 'esm',
      target: 'es2022',
      platform: 'browser',
      minify: true,
      jsx: 'automatic',
      jsxImportSource: 'preact',
      legalComments: 'none',
      logLevel: 'silent',
      absWorkingDir: resolve(APP_DIR, '../../..'),
    });
    const js = r.outputFiles.find((f) => f.path.endsWith('.js'));
    if (!js) throw new Error('esbuild produced no JavaScript');
    return { js: Buffer.from(js.contents), css: readFileSync(join(APP_DIR, 'app.css')) };
  } catch (e) {
    throw new ConsoleError('CONSOLE_ASSETS', `cannot build the console app: ${(e as Error).message}`, {
      cause: e,
    });
  }
}

let cached: Promise<ConsoleAssets> | undefined;

/**
 * Assets from a built package (`<dir>/app.js`, `app.css`, written by `buildConsoleAssets`) when present, else
 * built in memory from the sources once per process (tests, `bin/chains` from a checkout).
 */
export function loadConsoleAssets(dir?: string): Promise<ConsoleAssets> {
  if (dir && existsSync(join(dir, 'app.js')))
    return Promise.resolve({
      js: readFileSync(join(dir, 'app.js')),
      css: readFileSync(join(dir, 'app.css')),
      html: Buffer.from(SHELL),
    });
  cached ??= bundle().then((b) => ({ ...b, html: Buffer.from(SHELL) }));
  return cached;
}

/** The build step: write app.js and app.css into `outDir` (called by the package build script). */
export async function buildConsoleAssets(outDir: string): Promise<string[]> {
  const b = await bundle();
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'app.js'), b.js);
  writeFileSync(join(outDir, 'app.css'), b.css);
  return [join(outDir, 'app.js'), join(outDir, 'app.css')];
}
