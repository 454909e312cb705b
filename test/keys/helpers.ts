import { execFile, spawn } from 'node:child_process';
import { resolve } from 'node:path';

/** Helpers for the CLI tests that spawn ./bin/chains (keys-cli, keys-k8s). */
export const BIN = resolve(import.meta.dirname, '../../bin/chains');

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

/** Shell-quote one argument for `script -c`. */
const sq = (a: string): string => `'${a.replace(/'/g, `'\\''`)}'`;

/**
 * Run ./bin/chains on a pseudo-terminal through util-linux `script` (Essential in Debian): waits for each
 * prompt text in the output, then types the answer + Enter. Output is stdout+stderr as the terminal shows it.
 */
export function chainsTty(
  args: string[],
  cwd: string,
  steps: [string, string][],
): Promise<{ code: number; out: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.COSIGN_PASSWORD;
  const cmd = [BIN, ...args].map(sq).join(' ');
  const child = spawn('script', ['-qfec', cmd, '/dev/null'], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let pos = 0;
  const pending = [...steps];
  const feed = (): void => {
    const next = pending[0];
    if (!next) return;
    const at = out.indexOf(next[0], pos);
    if (at < 0) return;
    pos = at + next[0].length;
    pending.shift();
    // Give the CLI a moment to switch the terminal to no-echo before typing.
    setTimeout(() => {
      child.stdin.write(`${next[1]}\r`);
      feed();
    }, 150);
  };
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString('utf8');
    feed();
  });
  return new Promise((ok) => child.on('close', (code) => ok({ code: code ?? 1, out })));
}
