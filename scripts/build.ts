import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import { build } from 'esbuild';
import { buildConsoleAssets } from '../src/console/index.ts';

/** What `chains version` reports, fixed at build time. */
export interface BuildInfo {
  version: string;
  gitCommit: string;
  gitTreeState: 'clean' | 'dirty' | 'unknown';
}

const ROOT = join(import.meta.dirname, '..');

function git(args: string[]): string | null {
  try {
    return execFileSync('git', args, {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return null; // not a git checkout (a tarball, an unpacked archive) or no git
  }
}

/**
 * Package version and the commit the tree was built from: CHAINS_GIT_COMMIT when set (a container build has no
 * .git), else `git rev-parse HEAD`, else 'unknown' (a tarball, an unpacked archive).
 */
export function buildInfo(): BuildInfo {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const given = process.env.CHAINS_GIT_COMMIT;
  if (given) return { version: pkg.version, gitCommit: given, gitTreeState: 'unknown' };
  const commit = git(['rev-parse', 'HEAD']);
  if (!commit) return { version: pkg.version, gitCommit: 'unknown', gitTreeState: 'unknown' };
  const status = git(['status', '--porcelain', '--untracked-files=no']);
  return { version: pkg.version, gitCommit: commit, gitTreeState: status === '' ? 'clean' : 'dirty' };
}

/**
 * Bundles the CLI into dist/: one entry per process or thread the product starts (the CLI, the log's verify
 * worker); modules behind a dynamic import() become chunks loaded only by the commands that need them. npm
 * packages stay external: they are runtime dependencies (better-sqlite3 is native). The console's browser app
 * goes to dist/console/.
 */
export async function buildDist(outdir = join(ROOT, 'dist')): Promise<void> {
  rmSync(outdir, { recursive: true, force: true });
  await build({
    absWorkingDir: ROOT,
    entryPoints: {
      chains: 'src/cli/bin.ts',
      'verify-worker': 'src/tlog/server/verify-worker.ts',
    },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    // chunks sit beside the entries, so `new URL('./verify-worker.js', import.meta.url)` works from any of them
    chunkNames: '[name]-[hash]',
    // maps give `node --enable-source-maps` source lines; the sources themselves are not shipped
    sourcemap: 'linked',
    sourcesContent: false,
    legalComments: 'none',
    define: { CHAINS_BUILD_INFO: JSON.stringify(buildInfo()) },
    logLevel: 'warning',
  });
  // the console's browser app (preact, a dev dependency) is served from these files, never built at run time
  await buildConsoleAssets(join(outdir, 'console'));
}

if (process.argv[1] === import.meta.filename) await buildDist();
