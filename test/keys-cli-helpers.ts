import { execFile } from 'node:child_process';
import { resolve } from 'node:path';

/** Helpers for the CLI tests that spawn ./bin/chains (keys-cli, keys-k8s). */
export const BIN = resolve(import.meta.dirname, '../bin/chains');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run ./bin/chains with stdin from `input` (never a TTY) and a clean COSIGN_PASSWORD unless given. */
export function chains(
  args: string[],
  opts: { cwd: string; env?: Record<string, string>; input?: string },
): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...opts.env };
  if (!opts.env || !('COSIGN_PASSWORD' in opts.env)) delete env.COSIGN_PASSWORD;
  return new Promise((ok) => {
    const child = execFile(BIN, args, { cwd: opts.cwd, env, encoding: 'utf8' }, (err, stdout, stderr) =>
      ok({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(opts.input ?? '');
  });
}
