import { chmodSync, existsSync, readFileSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { writeFileDurably } from '../core/durable-file.ts';
import { ChainsError } from '../core/errors.ts';

/** The CLI's own failures: a file it cannot read or write, or a terminal answer that stops the command. */
export type CliErrorCode =
  'CLI_READ' | 'CLI_WRITE' | 'CLI_EXISTS' | 'CLI_PROMPT_DECLINED' | 'CLI_PASSWORD_MISMATCH';
export class CliError extends ChainsError<CliErrorCode> {}

/** One line for the user on stderr (stdout is kept for the command's data). */
export const say = (line: string): void => void process.stderr.write(`${line}\n`);

/** A value as indented JSON on stdout, one trailing newline. */
export const printJson = (value: unknown): void =>
  void process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);

function readReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'is a directory';
  if (code === 'EACCES') return 'permission denied';
  return code ?? (e as Error).message;
}

/** A file the user named, or all of stdin for `-` (cosign's convention), with a one-line coded error. */
export function readInput(path: string, what: string): Buffer {
  try {
    return readFileSync(path === '-' ? 0 : path);
  } catch (e) {
    const where = path === '-' ? 'stdin' : path;
    throw new CliError('CLI_READ', `cannot read ${what} ${where}: ${readReason(e)}`, { cause: e });
  }
}

/** `readInput` as UTF-8 text. */
export const readText = (path: string, what: string): string => readInput(path, what).toString('utf8');

/**
 * Write so that a failure or a power cut never leaves a half-written file (core's temp file, fsync, rename), then
 * force `mode` (0600 for secrets) whatever the umask.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, mode: number): void {
  try {
    writeFileDurably(path, data, mode);
    chmodSync(path, mode);
  } catch (e) {
    throw new CliError('CLI_WRITE', `cannot write ${path}: ${readReason(e)}`, { cause: e });
  }
}

/** Where prompts are asked and answered: the process's stdin/stderr unless a test gives its own streams. */
export interface Terminal {
  input: Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  output: Writable;
}
const processTerminal = (): Terminal => ({ input: process.stdin, output: process.stderr });

/** Read one line from the terminal; `hidden` turns off echo (password prompts); ^C or ^D declines. */
export function promptLine(prompt: string, hidden: boolean, term = processTerminal()): Promise<string> {
  const { input, output } = term;
  const raw = hidden && input.isTTY === true && input.setRawMode !== undefined;
  output.write(prompt);
  return new Promise((resolve, reject) => {
    let buf = '';
    const finish = (err?: Error): void => {
      input.off('data', onData);
      if (raw) input.setRawMode?.(false);
      input.pause();
      if (hidden) output.write('\n');
      if (err) reject(err);
      else resolve(buf);
    };
    const onData = (d: Buffer | string): void => {
      for (const ch of d.toString()) {
        if (ch === '\r' || ch === '\n') return finish();
        if (ch === '\u0003' || ch === '\u0004')
          return finish(new CliError('CLI_PROMPT_DECLINED', 'interrupted'));
        if (ch === '\u007f' || ch === '\b') buf = buf.slice(0, -1);
        else buf += ch;
      }
    };
    if (raw) input.setRawMode?.(true);
    input.on('data', onData);
    input.resume();
  });
}

async function readAll(input: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of input) chunks.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(chunks);
}

/**
 * cosign's password sources (https://github.com/sigstore/cosign/blob/main/pkg/cosign/keys.go): COSIGN_PASSWORD when
 * set (even empty), else a terminal prompt (asked twice when `confirm`), else all of stdin as is.
 */
export async function readPassword(
  confirm: boolean,
  term = processTerminal(),
  env: NodeJS.ProcessEnv = process.env,
): Promise<Buffer> {
  const given = env.COSIGN_PASSWORD;
  if (given !== undefined) return Buffer.from(given, 'utf8');
  if (term.input.isTTY !== true) return readAll(term.input);
  const first = await promptLine('Enter password for private key: ', true, term);
  if (confirm) {
    const again = await promptLine('Enter password for private key again: ', true, term);
    if (again !== first) throw new CliError('CLI_PASSWORD_MISMATCH', 'passwords do not match');
  }
  return Buffer.from(first, 'utf8');
}

/** Ask before overwriting on a terminal; without one, refuse unless `force` (cosign generate-key-pair). */
export async function confirmOverwrite(
  paths: readonly string[],
  force: boolean,
  term = processTerminal(),
): Promise<void> {
  const first = paths.find((p) => existsSync(p));
  if (first === undefined || force) return;
  if (term.input.isTTY !== true)
    throw new CliError('CLI_EXISTS', `file ${first} already exists; use --force to overwrite it`);
  term.output.write(`WARNING: File ${first} already exists. Overwrite?\n`);
  const answer = await promptLine('Are you sure you would like to continue? [y/N] ', false, term);
  if (!/^y(es)?$/i.test(answer.trim())) throw new CliError('CLI_PROMPT_DECLINED', 'user declined the prompt');
}
