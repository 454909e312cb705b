import type { EntryKind } from '../../tlog/bodies/ids.ts';
import { createHash, hash } from 'node:crypto';
import { join } from 'node:path';
import { chainsHome } from '../home.ts';
import { readInput, readText } from '../io.ts';
import { stopSignal } from '../signals.ts';
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
import { digestAlgorithmFor, loadPublicKey } from '../../keys/index.ts';
import type { DigestAlgorithm } from '../../keys/index.ts';
import { signatureBytes } from '../../verify/signature.ts';

export interface ClientFlags {
  rekorServer: string;
  rekor_server?: string;
  format: OutputFormat;
  rekorServerPublicKey?: string;
}

/** A client plus the log key every answer is verified with before anything is printed. */
async function connect(f: ClientFlags): Promise<{ client: RekorClient; key: string; server: string }> {
  const server = f.rekor_server ?? f.rekorServer;
  const probe = new RekorClient(server);
  const key = f.rekorServerPublicKey
    ? readInput(f.rekorServerPublicKey, 'public key').toString('utf8')
    : await probe.publicKey();
  return { client: new RekorClient(server, { logPublicKey: key }), key, server };
}

/** Signature file: base64 text (cosign .sig, single-line or wrapped) or raw bytes (DER), as cosign reads it. */
function signatureBase64(path: string): string {
  return signatureBytes(readInput(path, 'signature')).toString('base64');
}

const DIGEST_LENGTHS: Record<number, DigestAlgorithm> = { 64: 'sha256', 96: 'sha384', 128: 'sha512' };

/** `--artifact-hash`: `[sha256:|sha384:|sha512:]<hex>`, the algorithm told by the prefix or the length (rekor-cli). */
function parseArtifactHash(text: string): { algorithm: DigestAlgorithm; value: string } {
  const m = /^(?:(sha256|sha384|sha512):)?([0-9a-fA-F]+)$/.exec(text.trim());
  const algorithm = m?.[1] ?? DIGEST_LENGTHS[m?.[2]?.length ?? 0];
  const value = m?.[2] ?? '';
  if (!algorithm || value.length !== { sha256: 64, sha384: 96, sha512: 128 }[algorithm])
    throw new TlogError('TLOG_INPUT', `--artifact-hash ${text} is not a sha256, sha384 or sha512 hex digest`);
  return { algorithm: algorithm as DigestAlgorithm, value };
}

/** The digest cosign logs for this key's signatures (P-384 sha384, P-521 and Ed25519ph sha512); else sha256. */
function keyDigestAlgorithm(pem: string): DigestAlgorithm {
  try {
    return digestAlgorithmFor(loadPublicKey(pem).algorithm);
  } catch {
    return 'sha256'; // a key we would not sign with: the log decides
  }
}

export interface UploadFlags extends ClientFlags {
  type: EntryKind;
  artifact?: string;
  artifactHash?: string;
  signature?: string;
  publicKey?: string;
  entry?: string;
}

/** `--entry`: a proposed entry as JSON, sent as is (the log checks its shape and signature). */
function entryFile(path: string): ProposedEntry {
  try {
    return JSON.parse(readText(path, 'entry')) as ProposedEntry;
  } catch (e) {
    if (!(e instanceof SyntaxError)) throw e;
    throw new TlogError('TLOG_INPUT', `--entry ${path} is not JSON: ${e.message}`, { cause: e });
  }
}

function proposals(f: UploadFlags): ProposedEntry[] {
  if (f.entry) return [entryFile(f.entry)];
  if (!f.publicKey) throw new TlogError('TLOG_INPUT', '--public-key is required');
  const pem = readInput(f.publicKey, 'public key').toString('utf8');
  if (f.type === 'hashedrekord') {
    if (!f.signature) throw new TlogError('TLOG_INPUT', '--signature is required for hashedrekord');
    let digest: { algorithm: DigestAlgorithm; value: string };
    if (f.artifactHash) digest = parseArtifactHash(f.artifactHash);
    else if (f.artifact) {
      const algorithm = keyDigestAlgorithm(pem);
      digest = { algorithm, value: hash(algorithm, readInput(f.artifact, 'artifact'), 'hex') };
    } else throw new TlogError('TLOG_INPUT', '--artifact or --artifact-hash is required');
    return [proposeHashedRekord(digest.value, signatureBase64(f.signature), pem, digest.algorithm)];
  }
  if (!f.artifact)
    throw new TlogError('TLOG_INPUT', `--artifact (the DSSE envelope) is required for ${f.type}`);
  const env = readInput(f.artifact, 'envelope');
  // exhaustive over the kinds of ENTRY_KIND_IDS: a new kind does not compile until it has its flags here
  switch (f.type) {
    case 'dsse':
      return [proposeDsse(env, pem)];
    case 'intoto':
      // rekor-cli sends intoto 0.0.2 and retries with 0.0.1 on 400
      return [proposeIntoto(env, pem, '0.0.2'), proposeIntoto(env, pem, '0.0.1')];
  }
}

export async function runUpload(f: UploadFlags): Promise<void> {
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

export interface SearchFlags extends ClientFlags {
  sha?: string;
  artifact?: string;
  publicKey?: string;
  pkiFormat: string;
  email?: string;
  operator?: 'and' | 'or';
}

export async function runSearch(f: SearchFlags): Promise<void> {
  const q: SearchIndex = {};
  if (f.sha) q.hash = f.sha.toLowerCase();
  if (f.artifact)
    q.hash = `sha256:${createHash('sha256').update(readInput(f.artifact, 'artifact')).digest('hex')}`;
  if (f.publicKey)
    q.publicKey = {
      format: f.pkiFormat as 'x509',
      content: readInput(f.publicKey, 'public key').toString('base64'),
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

export interface GetFlags extends ClientFlags {
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

export async function runVerify(f: GetFlags & UploadFlags): Promise<void> {
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

/** `--client-signing-algorithms a,b,c`; an empty list means Rekor's default, as in rekor-server. */
function algorithmList(text: string): string[] | undefined {
  const list = text
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a.length > 0);
  return list.length > 0 ? list : undefined;
}

export interface ServeFlags {
  addr: string;
  db: string;
  key?: string;
  hostname?: string;
  maxBodyBytes: string;
  verifyWorkers?: string;
  clientSigningAlgorithms: string;
}

/** `tlog serve`: the log server until SIGINT/SIGTERM (the server modules and SQLite load only here). */
export async function runServe(f: ServeFlags): Promise<void> {
  const stopped = stopSignal();
  const s = await (
    await import('../../tlog/server/index.ts')
  ).startLogServer({
    dbPath: f.db,
    keyPath: f.key,
    addr: f.addr,
    hostname: f.hostname,
    maxBodyBytes: Number(f.maxBodyBytes),
    verifyWorkers: f.verifyWorkers === undefined ? undefined : Number(f.verifyWorkers),
    clientSigningAlgorithms: algorithmList(f.clientSigningAlgorithms),
  });
  if (s.migrated > 0)
    process.stderr.write(`migrated ${s.migrated} entries of ${f.db} from schema 1 to schema 2\n`);
  process.stdout.write(
    `tlog listening on ${s.url} (tree ${s.log.treeId}, size ${s.log.checkpoint.size}, logID ${s.log.logId})\n`,
  );
  await stopped;
  await s.close();
}

/** `tlog get --uuid|--log-index`. */
export async function runGet(f: GetFlags): Promise<void> {
  const { client } = await connect(f);
  process.stdout.write(formatGet(await fetchEntry(client, f), f.format));
}

/** `tlog loginfo`: the signed tree head, checked for consistency with the last one seen unless told not to. */
export async function runLogInfo(f: ClientFlags & { storeTreeState: boolean }): Promise<void> {
  const { client, key } = await connect(f);
  const out = await checkLogInfo(
    client,
    key,
    f.storeTreeState ? join(chainsHome(), 'tlog-state.json') : null,
  );
  process.stdout.write(formatLogInfo(out, f.format));
}
