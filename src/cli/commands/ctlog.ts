import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';

interface ServeFlags {
  addr: string;
  dir: string;
  roots?: string;
  maxBodyBytes: string;
}

/** `chains ctlog serve`: an RFC 6962 certificate transparency log for the embedded CA. */
export function registerCtlogCommands(program: Command): void {
  const ct = program.command('ctlog').description('RFC 6962 certificate transparency log');
  ct.command('serve')
    .description(
      'run a CT log (add-chain, add-pre-chain, get-sth, proofs, get-entries, get-roots, public-key)',
    )
    .option('--addr <host:port>', 'listen address', '127.0.0.1:6962')
    .option(
      '--dir <dir>',
      'database and key directory',
      join(process.env.CHAINS_HOME ?? join(homedir(), '.chains'), 'ctlog'),
    )
    .option('--roots <file>', 'accepted root certificates (PEM); submitted chains must end at one')
    .option('--max-body-bytes <n>', 'request body cap', '524288')
    .action(async (f: ServeFlags) => {
      const stopped = (await import('../signals.ts')).stopSignal();
      const { startCtLogServer } = await import('../../ctlog/server/index.ts');
      const { readText } = await import('../io.ts');
      const s = await startCtLogServer({
        dir: f.dir,
        addr: f.addr,
        rootsPem: f.roots ? readText(f.roots, '--roots') : '',
        maxBodyBytes: Number(f.maxBodyBytes),
      });
      process.stdout.write(
        `ctlog listening on ${s.url} (size ${s.log.treeSize}, logID ${s.log.logId.toString('base64')}, ${s.log.roots.length} accepted roots)\n`,
      );
      await stopped;
      await s.close();
    });
}
