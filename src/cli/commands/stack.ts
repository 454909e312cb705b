import { homedir } from 'node:os';
import { join } from 'node:path';
import { Option } from 'commander';
import type { Command } from 'commander';
import { ChainsError } from '../../core/errors.ts';
import type { RunningStack } from '../../stack/index.ts';

interface StackFlags {
  dir: string;
  host: string;
  registryPort: string;
  tlogPort: string;
  caPort: string;
  ctlogPort: string;
  oidcPort: string;
  consolePort: string;
  console: boolean;
  identityType: 'kubernetes' | 'email';
}

function port(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new ChainsError('STACK_FLAGS', `${flag} must be a port (0: any free one)`);
  return n;
}

/** The web console over the stack: its log pinned by the stack's trusted root, images read from its registry. */
async function startStackConsole(
  f: StackFlags,
  s: RunningStack,
): Promise<{ url: string; close(): Promise<void> }> {
  const { consoleFromFlags } = await import('../console-wiring.ts');
  return consoleFromFlags({
    addr: `${f.host.includes(':') ? `[${f.host}]` : f.host}:${port(f.consolePort, '--console-port')}`,
    rekorUrl: s.urls.rekor,
    trustedRoot: s.trustedRootPath,
    registry: s.urls.registryHost,
  }).catch(async (e: unknown) => {
    await s.close();
    throw e;
  });
}

async function serve(f: StackFlags): Promise<void> {
  const stopped = (await import('../signals.ts')).stopSignal();
  const { startStack } = await import('../../stack/index.ts');
  const s = await startStack({
    dir: f.dir,
    host: f.host,
    identityType: f.identityType,
    ports: {
      registry: port(f.registryPort, '--registry-port'),
      tlog: port(f.tlogPort, '--tlog-port'),
      ca: port(f.caPort, '--ca-port'),
      ctlog: port(f.ctlogPort, '--ctlog-port'),
      oidc: port(f.oidcPort, '--oidc-port'),
    },
    ...(process.env.CHAINS_CA_PASSWORD ? { caPassword: process.env.CHAINS_CA_PASSWORD } : {}),
  });
  const u = s.urls;
  const con = f.console ? await startStackConsole(f, s) : undefined;
  process.stdout.write(
    [
      `registry     ${u.registryHost}`,
      `rekor        ${u.rekor}`,
      `fulcio       ${u.fulcio}`,
      `ctlog        ${u.ctlog}`,
      `oidc issuer  ${u.oidcIssuer}`,
      `trusted root ${s.trustedRootPath}`,
      ...(con ? [`console      ${con.url}`] : []),
      `token:       chains oidc token --dir ${s.dirs.oidc} --kubernetes-sa NAMESPACE/SERVICEACCOUNT`,
      'stack ready (Ctrl-C stops every service)',
      '',
    ].join('\n'),
  );
  await stopped;
  await con?.close();
  await s.close();
}

/** `chains stack serve`: registry, transparency log, CA, CT log and OIDC issuer together (docs/keyless.md). */
export function registerStackCommands(program: Command): void {
  const stack = program.command('stack').description('a private Sigstore on one machine');
  const home = process.env.CHAINS_HOME ?? join(homedir(), '.chains');
  stack
    .command('serve')
    .description(
      'start the registry, transparency log, CA, CT log and OIDC issuer on loopback; write trusted_root.json',
    )
    .option('--dir <dir>', 'state directory (one sub-directory per service)', join(home, 'stack'))
    .option('--host <host>', 'listen address for every service', '127.0.0.1')
    .option('--registry-port <n>', 'OCI registry port (0: any free port)', '5000')
    .option('--tlog-port <n>', 'transparency log port', '3000')
    .option('--ca-port <n>', 'CA (Fulcio API) port', '5555')
    .option('--ctlog-port <n>', 'CT log port', '6962')
    .option('--oidc-port <n>', 'OIDC issuer port', '5556')
    .option('--console-port <n>', 'web console port (chains console over the stack)', '8080')
    .option('--no-console', 'do not start the web console')
    .addOption(
      new Option('--identity-type <type>', 'identity the CA takes from the issuer')
        .choices(['kubernetes', 'email'])
        .default('kubernetes'),
    )
    .action(serve);
}
