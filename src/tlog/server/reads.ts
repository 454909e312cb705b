import { parseEntryRef, treeIdToHex } from '../types/ids.ts';
import type { StoredEntry } from '../store/store.ts';
import { entryJson, json } from './answer.ts';
import type { Answer } from './answer.ts';
import { HttpError } from './errors.ts';
import type { TransparencyLog } from './log.ts';
import { parseBody } from './parse.ts';
import { prepareProposed } from './prepare.ts';
import type { Request } from './routes.ts';

/** The read routes' handlers (Rekor v1, https://github.com/sigstore/rekor/blob/main/openapi.yaml). */

/** Rekor's limit on entries per retrieve request. */
const MAX_RETRIEVE = 10;

function intParam(q: URLSearchParams, name: string, min: number): number | null {
  const v = q.get(name);
  if (v === null) return null;
  if (!/^[0-9]+$/.test(v) || !Number.isSafeInteger(Number(v)) || Number(v) < min)
    throw new HttpError(400, `${name} in query must be an integer >= ${min}, got "${v}"`);
  return Number(v);
}

function checkTree(log: TransparencyLog, q: URLSearchParams): void {
  const tree = q.get('treeID');
  if (tree !== null && tree !== log.treeId) throw new HttpError(400, `unknown treeID ${tree}`);
}

/** An entry by index, if the published head covers it. */
const byIndex = async (log: TransparencyLog, i: number): Promise<StoredEntry | null> =>
  i < log.checkpoint.size ? log.store.entryByIndex(i) : null;

/** An entry by UUID or entry ID; a malformed reference is a 400. */
async function byRef(log: TransparencyLog, ref: string): Promise<StoredEntry | null> {
  let r: ReturnType<typeof parseEntryRef>;
  try {
    r = parseEntryRef(ref);
  } catch (e) {
    throw new HttpError(400, (e as Error).message);
  }
  if (r.treeIdHex && r.treeIdHex !== treeIdToHex(log.treeId)) return null;
  const e = await log.store.entryByUuid(Buffer.from(r.uuid, 'hex'));
  return e && e.index < log.checkpoint.size ? e : null;
}

export async function getByIndex(log: TransparencyLog, req: Request): Promise<Answer> {
  const index = intParam(req.query, 'logIndex', 0);
  if (index === null) throw new HttpError(400, 'logIndex in query is required');
  const e = await byIndex(log, index);
  if (!e) throw new HttpError(404, `no entry found at logIndex ${index}`);
  return json(200, (await entryJson(log, e)).json);
}

export async function getByRef(log: TransparencyLog, ref: string): Promise<Answer> {
  const e = await byRef(log, ref);
  if (!e) throw new HttpError(404, `entry ${ref} not found`);
  return json(200, (await entryJson(log, e)).json);
}

function list(v: unknown, name: string): unknown[] {
  if (v !== undefined && !Array.isArray(v)) throw new HttpError(400, `${name} must be an array`);
  return v ?? [];
}

/** POST /api/v1/log/entries/retrieve: entries by UUID, index or content, as one JSON array. */
export async function retrieve(log: TransparencyLog, req: Request): Promise<Answer> {
  const q = parseBody(req.body) as { entryUUIDs?: unknown; logIndexes?: unknown; entries?: unknown };
  const uuids = list(q?.entryUUIDs, 'entryUUIDs');
  const indexes = list(q?.logIndexes, 'logIndexes');
  const entries = list(q?.entries, 'entries');
  if (uuids.length + indexes.length + entries.length > MAX_RETRIEVE)
    throw new HttpError(422, `more than max allowed ${MAX_RETRIEVE} entries in request`);
  const found: (StoredEntry | null)[] = [];
  for (const u of uuids) {
    if (typeof u !== 'string') throw new HttpError(400, 'entryUUIDs must be strings');
    found.push(await byRef(log, u));
  }
  for (const i of indexes) {
    if (typeof i !== 'number' || !Number.isSafeInteger(i) || i < 0)
      throw new HttpError(400, 'logIndexes must be non-negative integers');
    found.push(await byIndex(log, i));
  }
  for (const p of entries) found.push(await log.find(prepareProposed(p)));
  const jsons = [];
  for (const e of found) if (e) jsons.push((await entryJson(log, e)).json);
  return json(200, `[${jsons.join(',')}]`);
}

export function logInfo(log: TransparencyLog): Answer {
  const { rootHash, note: signedTreeHead, size: treeSize } = log.checkpoint;
  return json(200, { rootHash: rootHash.toString('hex'), signedTreeHead, treeID: log.treeId, treeSize });
}

export async function consistency(log: TransparencyLog, req: Request): Promise<Answer> {
  const first = intParam(req.query, 'firstSize', 1) ?? 1;
  const last = intParam(req.query, 'lastSize', 1);
  checkTree(log, req.query);
  if (last === null) throw new HttpError(400, 'lastSize in query is required');
  if (first > last)
    throw new HttpError(400, `firstSize(${first}) must be less than or equal to lastSize(${last})`);
  const size = log.checkpoint.size;
  if (last > size)
    throw new HttpError(400, `lastSize(${last}) must be less than or equal to the tree size (${size})`);
  const hashes = await log.consistencyProof(first, last);
  const rootHash = (await log.rootAt(last)).toString('hex');
  return json(200, { hashes: hashes.map((h) => h.toString('hex')), rootHash });
}

export function publicKey(log: TransparencyLog, req: Request): Answer {
  checkTree(log, req.query);
  return { status: 200, headers: ['Content-Type', 'application/x-pem-file'], body: log.key.publicKeyPem };
}
