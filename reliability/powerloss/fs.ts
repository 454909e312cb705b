import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

/** The Python interpreter that has Debian's python3-pyfuse3 (not a pyenv or venv shim on PATH). */
const PYTHON = '/usr/bin/python3';
const SCRIPT = join(import.meta.dirname, 'lossyfs.py');

/** Why the power-loss suite cannot run here, or undefined when it can. */
export async function lossyFsMissing(): Promise<string | undefined> {
  if (!existsSync('/dev/fuse')) return 'no /dev/fuse (FUSE is not available)';
  if (!existsSync(PYTHON)) return `no ${PYTHON}`;
  const probe = spawn(PYTHON, ['-c', 'import pyfuse3, trio'], { stdio: 'ignore' });
  const code = await new Promise<number | null>((res) => probe.on('exit', res));
  return code === 0 ? undefined : 'install fuse3 and python3-pyfuse3 (Debian)';
}

/**
 * A mounted lossyfs (lossyfs.py): a file system that keeps data in memory until fsync and, on `cut`, drops what
 * was not synced, as a power cut does with a disk's write cache.
 */
export class LossyFs {
  private out = '';
  private waiters: { word: string; res: (line: string) => void; rej: (e: Error) => void }[] = [];

  private constructor(
    readonly mountpoint: string,
    private readonly proc: ChildProcess,
  ) {
    proc.stdout?.on('data', (d: Buffer) => this.onData(d.toString()));
    proc.stderr?.on('data', (d: Buffer) => process.stderr.write(`lossyfs: ${d.toString()}`));
    proc.once('exit', (code) => {
      for (const w of this.waiters.splice(0)) w.rej(new Error(`lossyfs exited (${code})`));
    });
  }

  static async mount(mountpoint: string): Promise<LossyFs> {
    mkdirSync(mountpoint, { recursive: true });
    const proc = spawn(PYTHON, [SCRIPT, mountpoint], { stdio: ['pipe', 'pipe', 'pipe'] });
    const fs = new LossyFs(mountpoint, proc);
    await fs.expect('ready');
    return fs;
  }

  private onData(text: string): void {
    this.out += text;
    let nl: number;
    while ((nl = this.out.indexOf('\n')) >= 0) {
      const line = this.out.slice(0, nl);
      this.out = this.out.slice(nl + 1);
      const w = this.waiters.findIndex((x) => line.startsWith(x.word));
      if (w >= 0) this.waiters.splice(w, 1)[0]?.res(line);
    }
  }

  private expect(word: string): Promise<string> {
    return new Promise((res, rej) => this.waiters.push({ word, res, rej }));
  }

  private async command(cmd: string, answer: string): Promise<string> {
    const got = this.expect(answer);
    this.proc.stdin?.write(`${cmd}\n`);
    return got;
  }

  /** Everything written so far becomes durable (sync(1)). */
  sync = (): Promise<string> => this.command('sync', 'ok sync');
  /** Power off: every operation fails from now on and the tree is rolled back to what was durable. */
  cut = (seed: number): Promise<string> => this.command(`cut ${seed}`, 'ok cut');
  /** Power on again. */
  thaw = (): Promise<string> => this.command('thaw', 'ok thaw');

  async stats(): Promise<Record<string, number>> {
    const line = await this.command('stats', 'stats ');
    return Object.fromEntries(
      line
        .slice(6)
        .split(' ')
        .map((kv) => kv.split('='))
        .map(([k, v]) => [k ?? '', Number(v)]),
    );
  }

  async unmount(): Promise<void> {
    const gone = new Promise<void>((r) => this.proc.once('exit', () => r()));
    if (this.proc.exitCode === null) await this.command('quit', 'ok quit').catch(() => undefined);
    await gone;
  }

  path(...parts: string[]): string {
    return join(this.mountpoint, ...parts);
  }
}
