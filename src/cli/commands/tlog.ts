import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { ENTRY_KINDS } from '../../tlog/bodies/ids.ts';
import type { ClientFlags, GetFlags, SearchFlags, ServeFlags, UploadFlags } from '../actions/tlog.ts';
import { chainsHome } from '../home.ts';
// the algorithm names alone (no key code): the default of --client-signing-algorithms
import { DEFAULT_CLIENT_SIGNING_ALGORITHMS } from '../../keys/signing-algorithms.ts';

// the log client loads on first use, the server and SQLite only for `tlog serve`
const actions = () => import('../actions/tlog.ts');

function clientFlags(cmd: Command): Command {
  return cmd
    .option('--rekor-server <url>', 'log base URL', 'http://127.0.0.1:3000')
    .addOption(new Option('--rekor_server <url>').hideHelp())
    .option('--rekor-server-public-key <file>', 'log public key (PEM); default: fetched from the server')
    .addOption(
      new Option('--format <format>', 'output format').choices(['default', 'json']).default('default'),
    );
}

const entryKind = (): Option =>
  new Option('--type <kind>', 'entry kind').choices([...ENTRY_KINDS]).default('hashedrekord');

/** `chains tlog …`: the log server and a rekor-cli-compatible client (docs/tlog.md). */
export function registerTlogCommands(program: Command): void {
  const tlog = program.command('tlog').description('Rekor-compatible transparency log: server and client');
  tlog
    .command('serve')
    .description('run a Rekor v1 compatible log (SQLite, WAL) with C2SP tiles read endpoints')
    .option('--addr <host:port>', 'listen address', '127.0.0.1:3000')
    .option('--db <file>', 'SQLite database', join(chainsHome(), 'tlog.db'))
    .option('--key <file>', 'log private key (ECDSA P-256 PEM), generated if missing (default <db>.key)')
    .option('--hostname <name>', 'checkpoint origin/signer name (default: host of --addr)')
    .option('--max-body-bytes <n>', 'request body cap', '4194304')
    .option('--verify-workers <n>', 'signature verification threads (default: 1 with ≥ 2 cores)')
    .option(
      '--client-signing-algorithms <list>',
      'allowed key and hash pairs of hashedrekord entries, comma-separated (Rekor names)',
      DEFAULT_CLIENT_SIGNING_ALGORITHMS.join(','),
    )
    .action(async (f: ServeFlags) => (await actions()).runServe(f));
  clientFlags(
    tlog.command('upload').description('add an entry (hashedrekord, dsse, intoto) and verify the answer'),
  )
    .addOption(entryKind())
    .option('--artifact <file>', 'artifact (hashedrekord) or DSSE envelope (dsse, intoto)')
    .option(
      '--artifact-hash <digest>',
      'artifact digest instead of --artifact, [sha256:|sha384:|sha512:]<hex> (hashedrekord)',
    )
    .option('--signature <file>', 'signature over the artifact (base64 or DER)')
    .option('--public-key <file>', 'signer public key or certificate (PEM)')
    .option('--entry <file>', 'a complete proposed entry (JSON)')
    .action(async (f: UploadFlags) => (await actions()).runUpload(f));
  clientFlags(tlog.command('search').description('find entry IDs by digest, artifact, public key or email'))
    .option('--sha <digest>', '[sha256:|sha1:|sha512:]<hex>')
    .option('--artifact <file>', 'hash this file with SHA-256 and search for it')
    .option('--public-key <file>', 'signer public key (PEM)')
    .option('--pki-format <format>', 'public key format', 'x509')
    .option('--email <email>', 'certificate email')
    .addOption(new Option('--operator <op>', 'combine criteria').choices(['and', 'or']))
    .action(async (f: SearchFlags) => (await actions()).runSearch(f));
  clientFlags(tlog.command('get').description('get and verify an entry by UUID or log index'))
    .option('--uuid <id>', 'UUID (64 hex) or entry ID (80 hex)')
    .option('--log-index <n>', 'log index')
    .action(async (f: GetFlags) => (await actions()).runGet(f));
  clientFlags(
    tlog
      .command('loginfo')
      .description('verify the signed tree head and its consistency with the last one seen'),
  )
    .option('--no-store-tree-state', 'do not remember/check the tree head')
    .action(async (f: ClientFlags & { storeTreeState: boolean }) => (await actions()).runLogInfo(f));
  clientFlags(tlog.command('verify').description("verify an entry's inclusion proof, SET and checkpoint"))
    .option('--uuid <id>', 'UUID or entry ID')
    .option('--log-index <n>', 'log index')
    .addOption(entryKind())
    .option('--artifact <file>', 'artifact or DSSE envelope')
    .option('--artifact-hash <digest>', 'artifact digest, [sha256:|sha384:|sha512:]<hex>')
    .option('--signature <file>', 'signature file')
    .option('--public-key <file>', 'signer public key (PEM)')
    .action(async (f: GetFlags & UploadFlags) => (await actions()).runVerify(f));
}
