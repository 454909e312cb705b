import { spawn } from 'node:child_process';
import { CHAINS_BIN } from '../lib/common.ts';

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface CliRun {
  code: number | null;
  out: string;
}

/** Run `chains ARGS` to completion (umask 000, so only explicit file modes protect anything); stdout+stderr. */
export function runChains(
  args: string[],
  o: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', 'umask 000; exec "$0" "$@"', CHAINS_BIN, ...args], {
      cwd: o.cwd,
      env: { ...process.env, ...o.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const t = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 60_000);
    child.on('exit', (code) => {
      clearTimeout(t);
      resolve({ code, out });
    });
  });
}
