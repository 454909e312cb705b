import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Option } from 'commander';
import type { Command } from 'commander';
import {
  RekorClient,
  TlogError,
  checkLogInfo,
  formatGet,
  formatLogInfo,
  formatSearch,
  formatUpload,
  formatVerify,
  proposeDsse,
  proposeHashedRekord,
  proposeIntoto,
  verifyLogEntry,
} from '../../tlog/client/index.ts';
import type { OutputFormat, ProposedEntry, SearchIndex, TlogEntry } from '../../tlog/client/index.ts';

interface ClientFlags {
  rekorServer: string;
  rekor_server?: string;
  format: OutputFormat;
  rekorServerPublicKey?: string;
}

function chainsHome(): string {
  return process.env.CHAINS_HOME ?? join(homedir(), '.chains');
}

function readFile(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new TlogError(
      'TLOG_INPUT',
      `cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`,
      { cause: e },
    );
  }
}

function clientFlags(cmd: Command): Command {
  return cmd
    .option('--rekor-server <url>', 'log base URL', 'http://127.0.0.1:3000')
    .addOption(new Option('--rekor_server <url>').hideHelp())
    .option('--rekor-server-public-key <file>', 'log public key (PEM); default: fetched from the server')
    .addOption(
      new Option('--format <format>', 'output format').choices(['default', 'json']).default('default'),
    );
}

/** A client plus the log key every answer is verified with before anything is printed. */
async function connect(f: ClientFlags): Promise<{ client: RekorClient; key: string; server: string }> {
  const server = f.rekor_server ?? f.rekorServer;
  const probe = new RekorClient(server);
  const key = f.rekorServerPublicKey
    ? readFile(f.rekorServerPublicKey, 'public key').toString('utf8')
    : await probe.publicKey();
  return { client: new RekorClient(server, { logPublicKey: key }), key, server };
}

/** Signature file: base64 text (cosign .sig) or raw DER bytes. */
function signatureBase64(path: string): string {
  const raw = readFile(path, 'signature');
  const t = raw.toString('utf8').trim();
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(t) && Buffer.from(t, 'base64')[0] === 0x30) return t;
  return raw.toString('base64');
}

interface UploadFlags extends ClientFlags {
  type: 'hashedrekord' | 'dsse' | 'intoto';
  artifact?: string;
  artifactHash?: string;
  signature?: string;
  publicKey?: string;
  entry?: string;
}

function proposals(f: UploadFlags): ProposedEntry[] {
  if (f.entry) return [JSON.parse(readFile(f.entry, 'entry').toString('utf8')) as ProposedEntry];
  if (!f.publicKey) throw new TlogError('TLOG_INPUT', '--public-key is required');
  const pem = readFile(f.publicKey, 'public key').toString('utf8');
  if (f.type === 'hashedrekord') {
    if (!f.signature) throw new TlogError('TLOG_INPUT', '--signature is required for hashedrekord');
    const digest =
      f.artifactHash?.replace(/^sha256:/, '') ??
      (f.artifact ? createHash('sha256').update(readFile(f.artifact, 'artifact')).digest('hex') : undefined);
    if (!digest || !/^[0-9a-fA-F]{64}$/.test(digest))
      throw new TlogError('TLOG_INPUT', '--artifact or a sha256 --artifact-hash is required');
    return [proposeHashedRekord(digest, signatureBase64(f.signature), pem)];
  }
  if (!f.artifact)
    throw new TlogError('TLOG_INPUT', `--artifact (the DSSE envelope) is required for ${f.type}`);
  const env = readFile(f.artifact, 'envelope');
  if (f.type === 'dsse') return [proposeDsse(env, pem)];
  // rekor-cli sends intoto 0.0.2 and retries with 0.0.1 on 400
  return [proposeIntoto(env, pem, '0.0.2'), proposeIntoto(env, pem, '0.0.1')];
}

async function upload(f: UploadFlags): Promise<void> {
  const { client, server } = await connect(f);
  const list = proposals(f);
  for (const [i, p] of list.entries()) {
    try {
      const r = await client.createEntry(p);
      process.stdout.write(formatUpload(r, server, f.format));
      return;
    } catch (e) {
      if (!(e instanceof TlogError && e.status === 400 && i < list.length - 1)) throw e;
    }
  }
}

interface SearchFlags extends ClientFlags {
  sha?: string;
  artifact?: string;
  publicKey?: string;
  pkiFormat: string;
  email?: string;
  operator?: 'and' | 'or';
}

async function search(f: SearchFlags): Promise<void> {
  const q: SearchIndex = {};
  if (f.sha) q.hash = f.sha.toLowerCase();
  if (f.artifact)
    q.hash = `sha256:${createHash('sha256').update(readFile(f.artifact, 'artifact')).digest('hex')}`;
  if (f.publicKey)
    q.publicKey = {
      format: f.pkiFormat as 'x509',
      content: readFile(f.publicKey, 'public key').toString('base64'),
    };
  if (f.email) q.email = f.email;
  if (f.operator) q.operator = f.operator;
  if (Object.keys(q).length === 0)
    throw new TlogError('TLOG_INPUT', 'one of --sha, --artifact, --public-key or --email is required');
  const { client } = await connect(f);
  const ids = await client.search(q);
  if (ids.length === 0) throw new TlogError('TLOG_NOT_FOUND', 'no matching entries found');
  for (let i = 0; i < ids.length; i += 10) await client.retrieve({ entryUUIDs: ids.slice(i, i + 10) }); // verifies each
  process.stderr.write('Found matching entries (listed by UUID):\n');
  process.stdout.write(formatSearch(ids, f.format));
}

interface GetFlags extends ClientFlags {
  uuid?: string;
  logIndex?: string;
}

async function fetchEntry(client: RekorClient, f: GetFlags): Promise<TlogEntry> {
  if (f.uuid) return client.getEntry(f.uuid);
  if (f.logIndex !== undefined) {
    if (!/^[0-9]+$/.test(f.logIndex))
      throw new TlogError('TLOG_INPUT', `--log-index must be a non-negative integer`);
    return client.getEntryByIndex(Number(f.logIndex));
  }
  throw new TlogError('TLOG_INPUT', 'either --uuid or --log-index is required');
}

async function verifyCmd(f: GetFlags & UploadFlags): Promise<void> {
  const { client, key } = await connect(f);
  let entry: TlogEntry | undefined;
  if (f.uuid || f.logIndex !== undefined) entry = await fetchEntry(client, f);
  else {
    for (const p of proposals(f)) [entry] = entry ? [entry] : await client.retrieve({ entries: [p] });
    if (!entry) throw new TlogError('TLOG_NOT_FOUND', 'entry not found in the log');
  }
  verifyLogEntry(entry, key);
  process.stdout.write(formatVerify(entry, f.format));
}

interface ServeFlags {
  addr: string;
  db: string;
  key?: string;
  hostname?: string;
  maxBodyBytes: string;
  verifyWorkers?: string;
}

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
    .action(async (f: ServeFlags) => {
      const s = await (
        await import('../../tlog/server/index.ts')
      ).startLogServer({
        dbPath: f.db,
        keyPath: f.key,
        addr: f.addr,
        hostname: f.hostname,
        maxBodyBytes: Number(f.maxBodyBytes),
        verifyWorkers: f.verifyWorkers === undefined ? undefined : Number(f.verifyWorkers),
      });
      if (s.migrated > 0)
        process.stderr.write(`migrated ${s.migrated} entries of ${f.db} from schema 1 to schema 2\n`);
      process.stdout.write(
        `tlog listening on ${s.url} (tree ${s.log.treeId}, size ${s.log.checkpoint.size}, logID ${s.log.logId})\n`,
      );
      await new Promise<void>((resolve) => {
        const stop = (): void => void s.close().then(resolve);
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
  clientFlags(
    tlog.command('upload').description('add an entry (hashedrekord, dsse, intoto) and verify the answer'),
  )
    .addOption(
      new Option('--type <kind>', 'entry kind')
        .choices(['hashedrekord', 'dsse', 'intoto'])
        .default('hashedrekord'),
    )
    .option('--artifact <file>', 'artifact (hashedrekord) or DSSE envelope (dsse, intoto)')
    .option('--artifact-hash <sha256>', 'artifact digest instead of --artifact (hashedrekord)')
    .option('--signature <file>', 'signature over the artifact (base64 or DER)')
    .option('--public-key <file>', 'signer public key or certificate (PEM)')
    .option('--entry <file>', 'a complete proposed entry (JSON)')
    .action(upload);
  clientFlags(tlog.command('search').description('find entry IDs by digest, artifact, public key or email'))
    .option('--sha <digest>', '[sha256:|sha1:|sha512:]<hex>')
    .option('--artifact <file>', 'hash this file with SHA-256 and search for it')
    .option('--public-key <file>', 'signer public key (PEM)')
    .option('--pki-format <format>', 'public key format', 'x509')
    .option('--email <email>', 'certificate email')
    .addOption(new Option('--operator <op>', 'combine criteria').choices(['and', 'or']))
    .action(search);
  clientFlags(tlog.command('get').description('get and verify an entry by UUID or log index'))
    .option('--uuid <id>', 'UUID (64 hex) or entry ID (80 hex)')
    .option('--log-index <n>', 'log index')
    .action(async (f: GetFlags) => {
      const { client } = await connect(f);
      process.stdout.write(formatGet(await fetchEntry(client, f), f.format));
    });
  clientFlags(
    tlog
      .command('loginfo')
      .description('verify the signed tree head and its consistency with the last one seen'),
  )
    .option('--no-store-tree-state', 'do not remember/check the tree head')
    .action(async (f: ClientFlags & { storeTreeState: boolean }) => {
      const { client, key } = await connect(f);
      const out = await checkLogInfo(
        client,
        key,
        f.storeTreeState ? join(chainsHome(), 'tlog-state.json') : null,
      );
      process.stdout.write(formatLogInfo(out, f.format));
    });
  clientFlags(tlog.command('verify').description("verify an entry's inclusion proof, SET and checkpoint"))
    .option('--uuid <id>', 'UUID or entry ID')
    .option('--log-index <n>', 'log index')
    .addOption(
      new Option('--type <kind>', 'entry kind')
        .choices(['hashedrekord', 'dsse', 'intoto'])
        .default('hashedrekord'),
    )
    .option('--artifact <file>', 'artifact or DSSE envelope')
    .option('--artifact-hash <sha256>', 'artifact digest')
    .option('--signature <file>', 'signature file')
    .option('--public-key <file>', 'signer public key (PEM)')
    .action(verifyCmd);
}
