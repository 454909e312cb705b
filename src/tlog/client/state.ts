import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { verifyCheckpoint } from '../../core/checkpoint.ts';
import type { RekorClient } from './rekor.ts';
import { toLogKey, verifyTreeConsistency } from './verify.ts';
import type { LogKeyInput } from './verify.ts';
import type { LogInfoOutput } from './format.ts';
import { TlogError } from '../types/ids.ts';

/** What loginfo remembers per server (rekor-cli keeps ~/.rekor/state.json; we also pin the log key). */
interface TreeState {
  treeId: string;
  size: number;
  rootHash: string;
  signedTreeHead: string;
  keySha256: string;
}
type StateFile = Record<string, TreeState>;

function load(path: string): StateFile {
  if (!existsSync(path)) return {};
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as StateFile;
  } catch (e) {
    throw new TlogError('TLOG_INPUT', `cannot read tree state ${path}: ${(e as Error).message}`, {
      cause: e,
    });
  }
}

function save(path: string, s: StateFile): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(s, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
}

/**
 * `loginfo`: verify the signed tree head, and when an older head of the same tree is remembered, fetch and
 * check a consistency proof from it before remembering the new one.
 */
export async function checkLogInfo(
  client: RekorClient,
  logKey: LogKeyInput,
  statePath: string | null,
): Promise<LogInfoOutput> {
  const key = toLogKey(logKey);
  const info = await client.logInfo();
  const cp = verifyCheckpoint(info.signedTreeHead, key);
  if (cp.size !== info.treeSize || cp.rootHash.toString('hex') !== info.rootHash)
    throw new TlogError('TLOG_VERIFY', 'signed tree head does not match the reported size and root');
  const keySha256 = createHash('sha256')
    .update(key.export({ type: 'spki', format: 'der' }))
    .digest('hex');
  const out = {
    ActiveTreeSize: info.treeSize,
    TotalTreeSize: info.treeSize,
    RootHash: info.rootHash,
    TreeID: info.treeID,
  };
  if (!statePath) return out;
  const state = load(statePath);
  const old = state[client.baseUrl];
  if (old && old.treeId === info.treeID) {
    if (old.keySha256 !== keySha256)
      throw new TlogError(
        'TLOG_VERIFY',
        `the log key of ${client.baseUrl} changed since the remembered tree head`,
      );
    if (info.treeSize < old.size)
      throw new TlogError('TLOG_CONSISTENCY', `tree shrank from ${old.size} to ${info.treeSize}`);
    if (info.treeSize > old.size && old.size > 0) {
      const proof = await client.consistencyProof(old.size, info.treeSize, info.treeID);
      if (proof.rootHash !== info.rootHash)
        throw new TlogError('TLOG_CONSISTENCY', 'consistency proof is for another root');
      verifyTreeConsistency(
        { size: old.size, rootHash: Buffer.from(old.rootHash, 'hex') },
        { size: info.treeSize, rootHash: cp.rootHash },
        proof.hashes,
      );
    } else if (info.treeSize === old.size && info.rootHash !== old.rootHash)
      throw new TlogError('TLOG_CONSISTENCY', `root at size ${old.size} changed`);
  }
  state[client.baseUrl] = {
    treeId: info.treeID,
    size: info.treeSize,
    rootHash: info.rootHash,
    signedTreeHead: info.signedTreeHead,
    keySha256,
  };
  save(statePath, state);
  return out;
}
