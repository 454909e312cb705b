/**
 * Run a `chains` command in-process through the real CLI (same parser, same code), capturing its output: for tests
 * that need the CLI and this process's state together (coverage, fakes in this process). It swaps
 * process.stdout/stderr.write for the call, which is why it lives with the tests and not in the product.
 */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runChainsCli(args: string[]): Promise<CliResult> {
  const { main } = await import('../../src/cli/main.ts');
  const out: string[] = [];
  const err: string[] = [];
  const saved = { out: process.stdout.write, err: process.stderr.write, code: process.exitCode };
  process.exitCode = undefined;
  const capture =
    (sink: string[]) =>
    (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
      sink.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      cb?.();
      return true;
    };
  process.stdout.write = capture(out) as typeof process.stdout.write;
  process.stderr.write = capture(err) as typeof process.stderr.write;
  let code: number;
  try {
    code = await main(['node', 'chains', ...args]);
  } finally {
    process.stdout.write = saved.out;
    process.stderr.write = saved.err;
    process.exitCode = saved.code;
  }
  return { code, stdout: out.join(''), stderr: err.join('') };
}
