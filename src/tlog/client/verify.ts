import { createHash, createPublicKey, verify as cryptoVerify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { verifyCheckpoint } from '../../core/checkpoint.ts';
import type { SignedCheckpoint } from '../../core/checkpoint.ts';
import { hashLeaf, verifyConsistency, verifyInclusion } from '../../core/merkle.ts';
import { TlogError } from '../types/ids.ts';
import { logEntrySchema, logEntryValueSchema, setMessage } from '../types/wire.ts';
import type { LogEntry, LogEntryValue, TlogEntry } from '../types/wire.ts';

/** Key material for a log: a KeyObject or SPKI PEM text. */
export type LogKeyInput = KeyObject | string;

// parsing a PEM costs ~3x an ECDSA verify (the project notes): each log key is parsed and hashed once
const pemKeys = new Map<string, KeyObject>();
const logIds = new WeakMap<KeyObject, string>();

export function toLogKey(k: LogKeyInput): KeyObject {
  if (typeof k !== 'string') return k;
  let key = pemKeys.get(k);
  if (!key) {
    key = createPublicKey(k);
    if (pemKeys.size >= 64) pemKeys.clear(); // a handful of logs in practice: bound it anyway
    pemKeys.set(k, key);
  }
  return key;
}

/** Hex SHA-256 of the log key's SPKI DER: the Rekor logID. */
export function logIdOf(k: LogKeyInput): string {
  const key = toLogKey(k);
  let id = logIds.get(key);
  if (id === undefined) {
    id = createHash('sha256')
      .update(key.export({ type: 'spki', format: 'der' }))
      .digest('hex');
    logIds.set(key, id);
  }
  return id;
}

function fail(message: string, cause?: unknown): never {
  throw new TlogError('TLOG_VERIFY', message, cause === undefined ? undefined : { cause });
}

/** Verify a Signed Entry Timestamp (ECDSA/SHA-256 over JCS of body/integratedTime/logID/logIndex, §4.7). */
export function verifySet(
  payload: Pick<LogEntryValue, 'body' | 'integratedTime' | 'logID' | 'logIndex'>,
  setBase64: string,
  logKey: LogKeyInput,
): void {
  const key = toLogKey(logKey);
  const logId = logIdOf(key);
  if (payload.logID !== logId) fail(`entry logID ${payload.logID} is not the log key's ID ${logId}`);
  // Node's base64 decoder skips invalid characters: insist on the canonical text Rekor (Go StdEncoding) writes
  const set = Buffer.from(setBase64, 'base64');
  if (set.toString('base64') !== setBase64) fail('signed entry timestamp is not canonical base64');
  let ok = false;
  try {
    ok = cryptoVerify('sha256', setMessage(payload), key, set);
  } catch {
    ok = false;
  }
  if (!ok) fail('signed entry timestamp does not verify with the log key');
}

export interface EntryVerifyOptions {
  /** Require an inclusion proof with checkpoint (default true: our server and Rekor always send one). */
  requireProof?: boolean;
  /** sigstore-js rule: checkpoint signer name must occur in this URL. */
  baseUrl?: string;
}

export interface VerifiedEntry {
  entryId: string;
  uuid: string;
  value: LogEntryValue;
  body: Buffer;
  checkpoint: SignedCheckpoint | null;
}

/** Split a LogEntry map (exactly one key) or a TlogEntry into ID + value. */
export function entryParts(entry: LogEntry | TlogEntry): { entryId: string; value: LogEntryValue } {
  // outside input: a non-object (e.g. a JSON `null` answer) must fail with a coded error, not a TypeError
  if (
    typeof entry === 'object' &&
    entry !== null &&
    'uuid' in entry &&
    typeof entry.uuid === 'string' &&
    'body' in entry
  ) {
    const {
      uuid,
      created: _c,
      location: _l,
      ...rest
    } = entry as TlogEntry & { created?: unknown; location?: unknown };
    // same shape rules as a LogEntry map: hex hashes, integers (Buffer.from(hex) would skip garbage)
    const v = logEntryValueSchema.safeParse(rest);
    if (!v.success)
      fail(`malformed log entry: ${v.error.issues[0]?.path.join('.')}: ${v.error.issues[0]?.message}`);
    return { entryId: uuid, value: v.data };
  }
  const parsed = logEntrySchema.safeParse(entry);
  if (!parsed.success) fail(`malformed log entry: ${parsed.error.issues[0]?.message}`);
  const [entryId, value] = Object.entries(parsed.data)[0] as [string, LogEntryValue];
  return { entryId, value };
}

/** Verify an entry: UUID = leaf hash of body, SET, inclusion proof against a checkpoint signed by the log key. */
export function verifyLogEntry(
  entry: LogEntry | TlogEntry,
  logKey: LogKeyInput,
  opts: EntryVerifyOptions = {},
): VerifiedEntry {
  const key = toLogKey(logKey);
  const { entryId, value } = entryParts(entry);
  const body = Buffer.from(value.body, 'base64');
  const leaf = hashLeaf(body);
  const uuid = entryId.slice(-64).toLowerCase();
  if (leaf.toString('hex') !== uuid) fail(`entry ID ${entryId} does not match the hash of its body`);
  const set = value.verification?.signedEntryTimestamp;
  if (!set) fail('entry has no signed entry timestamp');
  verifySet(value, set, key);
  const proof = value.verification?.inclusionProof;
  if (!proof) {
    if (opts.requireProof ?? true) fail('entry has no inclusion proof');
    return { entryId, uuid, value, body, checkpoint: null };
  }
  let cp: SignedCheckpoint;
  try {
    cp = verifyCheckpoint(proof.checkpoint, key, { baseUrl: opts.baseUrl });
  } catch (e) {
    fail(`checkpoint: ${(e as Error).message}`, e);
  }
  if (cp.size !== proof.treeSize || cp.rootHash.toString('hex') !== proof.rootHash)
    fail('checkpoint size/root do not match the inclusion proof');
  try {
    const hashes = proof.hashes.map((h) => Buffer.from(h, 'hex'));
    verifyInclusion(proof.logIndex, proof.treeSize, leaf, hashes, Buffer.from(proof.rootHash, 'hex'));
  } catch (e) {
    fail(`inclusion proof: ${(e as Error).message}`, e);
  }
  return { entryId, uuid, value, body, checkpoint: cp };
}

/**
 * The cheap check for an entry the caller just created or fetched: its ID is the leaf hash of its body and its
 * SET verifies with the log key (the log's signed promise to include exactly this body at this index, §4.7).
 * Returns the decoded body. The inclusion proof is left to verifiers (cosign checks the SET offline too).
 */
export function verifyEntryPromise(entry: TlogEntry, logKey: LogKeyInput): Buffer {
  const body = Buffer.from(entry.body, 'base64');
  if (hashLeaf(body).toString('hex') !== entry.uuid.slice(-64).toLowerCase())
    fail(`entry ID ${entry.uuid} does not match the hash of its body`);
  const set = entry.verification?.signedEntryTimestamp;
  if (!set) fail('entry has no signed entry timestamp');
  verifySet(entry, set, logKey);
  return body;
}

/** Check a consistency proof between two verified tree heads. */
export function verifyTreeConsistency(
  old: { size: number; rootHash: Buffer },
  next: { size: number; rootHash: Buffer },
  hashesHex: string[],
): void {
  try {
    if (old.size === 0) return;
    verifyConsistency(
      old.size,
      next.size,
      hashesHex.map((h) => Buffer.from(h, 'hex')),
      old.rootHash,
      next.rootHash,
    );
  } catch (e) {
    throw new TlogError(
      'TLOG_CONSISTENCY',
      `tree head at size ${next.size} is not consistent with the remembered size ${old.size}: ${(e as Error).message}`,
      { cause: e },
    );
  }
}
