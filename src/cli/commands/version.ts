import { readFileSync } from 'node:fs';
import type { Command } from 'commander';

/** Set by scripts/build.ts (esbuild define) in dist/; absent when the CLI runs from its TypeScript sources. */
declare const CHAINS_BUILD_INFO:
  { version: string; gitCommit: string; gitTreeState: 'clean' | 'dirty' | 'unknown' } | undefined;

export interface VersionInfo {
  version: string;
  gitCommit: string;
  gitTreeState: string;
  nodeVersion: string;
  platform: string;
}

/** The built bundle's embedded facts, or (running from sources) package.json's version and no commit. */
export function versionInfo(): VersionInfo {
  const built =
    typeof CHAINS_BUILD_INFO === 'undefined'
      ? {
          version: (
            JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
              version: string;
            }
          ).version,
          gitCommit: 'unknown',
          gitTreeState: 'unknown',
        }
      : CHAINS_BUILD_INFO;
  return { ...built, nodeVersion: process.version, platform: `${process.platform}/${process.arch}` };
}

/** `chains version [--json]`, laid out as `cosign version` prints its build facts. */
export function registerVersionCommand(program: Command): void {
  program
    .command('version')
    .description('print the version and the git commit this CLI was built from')
    .option('--json', 'print JSON')
    .action((f: { json?: boolean }) => {
      const v = versionInfo();
      if (f.json) return void process.stdout.write(`${JSON.stringify(v, null, 2)}\n`);
      const rows: [string, string][] = [
        ['Version', v.version],
        ['GitCommit', v.gitCommit],
        ['GitTreeState', v.gitTreeState],
        ['NodeVersion', v.nodeVersion],
        ['Platform', v.platform],
      ];
      process.stdout.write(rows.map(([k, val]) => `${`${k}:`.padEnd(15)}${val}\n`).join(''));
    });
}
