// Module hooks that run the TypeScript sources directly: each .ts file is transformed by esbuild (types
// stripped, nothing else), cached per user. Unlike tsx it adds no keepNames wrapper (a defineProperty call per
// closure created) and `chains --help` starts in ≈ 0.47 s instead of 0.6 s; tsx stays a dev dependency.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { URL, fileURLToPath } from 'node:url';
import { transform, version } from 'esbuild';

const options = { loader: 'ts', format: 'esm', target: 'node20', sourcemap: 'inline' };
const tsconfigRaw = { compilerOptions: { verbatimModuleSyntax: true, useDefineForClassFields: true } };

/** Transforms are cached in a private per-user directory (0700, ours), or not at all. */
function cacheDir() {
  const uid = process.getuid?.() ?? 0;
  const dir = join(tmpdir(), `chains-ts-${uid}`);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = statSync(dir);
    return st.uid === uid && (st.mode & 0o077) === 0 ? dir : null;
  } catch {
    return null;
  }
}
const cache = cacheDir();

async function compile(path, source) {
  const key = createHash('sha256')
    .update(`${version}\0${JSON.stringify([options, tsconfigRaw])}\0${path}\0`)
    .update(source)
    .digest('hex');
  const file = cache && join(cache, `${key}.mjs`);
  if (file) {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      // not cached yet
    }
  }
  const { code } = await transform(source, { ...options, tsconfigRaw, sourcefile: path });
  if (file) {
    try {
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, code, { mode: 0o600 });
      renameSync(tmp, file);
    } catch {
      // caching is best effort
    }
  }
  return code;
}

export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !/\.[cm]?ts$/.test(new URL(url).pathname)) return nextLoad(url, context);
  const path = fileURLToPath(url);
  const source = await readFile(path, 'utf8');
  return { format: 'module', source: await compile(path, source), shortCircuit: true };
}
