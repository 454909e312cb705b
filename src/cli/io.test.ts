import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { beforeEach, describe, expect, it } from 'vitest';
import { confirmOverwrite, readInput, readPassword, readText, writeFileAtomic } from './io.ts';
import type { Terminal } from './io.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cli-io-'));
});

/** A terminal made of real streams: `tty` says whether the process would see a terminal there. */
function terminal(tty: boolean): Terminal & { shown: () => string; type: (s: string) => void } {
  const input = Object.assign(new PassThrough(), { isTTY: tty, setRawMode: () => input });
  const output = new PassThrough();
  let shown = '';
  output.on('data', (d: Buffer) => (shown += d.toString()));
  return { input, output, shown: () => shown, type: (s) => void input.write(s) };
}

/** Answer each prompt once it has been shown (the next line is typed only after the prompt asks for it). */
function answer(t: ReturnType<typeof terminal>, lines: string[]): void {
  let asked = 0;
  t.output.on('data', (d: Buffer) => {
    if (/: $|\] $/.test(d.toString()) && asked < lines.length)
      setImmediate(() => t.type(lines[asked++] ?? ''));
  });
}

describe('readInput', () => {
  it('reads a file, and names what and where in a CLI_READ error', () => {
    writeFileSync(join(dir, 'a.txt'), 'hello');
    expect(readText(join(dir, 'a.txt'), 'blob')).toBe('hello');
    expect(() => readInput(join(dir, 'missing.txt'), 'blob')).toThrow(
      expect.objectContaining({
        code: 'CLI_READ',
        message: `cannot read blob ${join(dir, 'missing.txt')}: no such file`,
      }),
    );
    expect(() => readInput(dir, 'key')).toThrow(
      expect.objectContaining({ code: 'CLI_READ', message: `cannot read key ${dir}: is a directory` }),
    );
  });
});

describe('writeFileAtomic', () => {
  it('forces the mode (0600 for secrets) and replaces an existing file whole', () => {
    const path = join(dir, 'k.key');
    writeFileSync(path, 'old', { mode: 0o644 });
    writeFileAtomic(path, 'secret', 0o600);
    expect(readFileSync(path, 'utf8')).toBe('secret');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['k.key']);
  });

  it('fails with CLI_WRITE and leaves no temporary file', () => {
    const path = join(dir, 'no', 'such', 'k.key');
    expect(() => writeFileAtomic(path, 'x', 0o600)).toThrow(
      expect.objectContaining({ code: 'CLI_WRITE', message: `cannot write ${path}: no such file` }),
    );
    writeFileSync(join(dir, 'file'), '');
    expect(() => writeFileAtomic(join(dir, 'file', 'k.key'), 'x', 0o600)).toThrow(
      expect.objectContaining({ code: 'CLI_WRITE' }),
    );
    // the temporary file is written, then the rename onto a directory fails: it is removed again
    mkdirSync(join(dir, 'k.key'));
    expect(() => writeFileAtomic(join(dir, 'k.key'), 'x', 0o600)).toThrow(
      expect.objectContaining({ code: 'CLI_WRITE' }),
    );
    expect(readdirSync(dir).sort()).toEqual(['file', 'k.key']);
    expect(readdirSync(join(dir, 'k.key'))).toEqual([]);
  });
});

describe('confirmOverwrite', () => {
  it('passes when nothing exists or with force; without a terminal an existing file is CLI_EXISTS', async () => {
    const path = join(dir, 'cosign.key');
    await expect(confirmOverwrite([path], false, terminal(false))).resolves.toBeUndefined();
    writeFileSync(path, 'x');
    await expect(confirmOverwrite([path], true, terminal(false))).resolves.toBeUndefined();
    await expect(confirmOverwrite([path], false, terminal(false))).rejects.toMatchObject({
      code: 'CLI_EXISTS',
      message: `file ${path} already exists; use --force to overwrite it`,
    });
  });

  it('asks on a terminal: y continues, anything else is CLI_PROMPT_DECLINED', async () => {
    const path = join(dir, 'cosign.key');
    writeFileSync(path, 'x');
    const yes = terminal(true);
    answer(yes, ['y\n']);
    await expect(confirmOverwrite([path], false, yes)).resolves.toBeUndefined();
    expect(yes.shown()).toContain(`WARNING: File ${path} already exists. Overwrite?`);
    const no = terminal(true);
    answer(no, ['n\n']);
    await expect(confirmOverwrite([path], false, no)).rejects.toMatchObject({ code: 'CLI_PROMPT_DECLINED' });
  });
});

describe('readPassword', () => {
  it('takes COSIGN_PASSWORD when set, even empty, else all of stdin without a terminal', async () => {
    expect((await readPassword(true, terminal(false), { COSIGN_PASSWORD: '' })).toString()).toBe('');
    const input = new PassThrough();
    const piped = { input, output: new PassThrough() };
    input.end('pw\n');
    expect((await readPassword(true, piped, {})).toString()).toBe('pw\n');
  });

  it('asks twice on a terminal; a mismatch is CLI_PASSWORD_MISMATCH, ^C is CLI_PROMPT_DECLINED', async () => {
    const same = terminal(true);
    answer(same, ['s3cr3t\r', 's3cr3t\r']);
    expect((await readPassword(true, same, {})).toString()).toBe('s3cr3t');
    expect(same.shown()).toBe('Enter password for private key: \nEnter password for private key again: \n');
    const differ = terminal(true);
    answer(differ, ['one\r', 'two\r']);
    await expect(readPassword(true, differ, {})).rejects.toMatchObject({ code: 'CLI_PASSWORD_MISMATCH' });
    const interrupted = terminal(true);
    answer(interrupted, ['ab\u0003']);
    await expect(readPassword(false, interrupted, {})).rejects.toMatchObject({ code: 'CLI_PROMPT_DECLINED' });
  });
});
