import type { StoredEntry } from '../store/store.ts';
import { entryId } from '../types/index.ts';
import { EntryError, HttpError } from './errors.ts';
import type { TransparencyLog } from './log.ts';
import type { AddResult } from './persist.ts';

/**
 * Stage 6 of the append path, answer. In: the stored entry (new or already there) or the error of any stage.
 * Out: the HTTP answer: 201 with the entry JSON, 409 with its location, or a Rekor-style error. Every route
 * answers through here (json, errorAnswer), and the entry JSON has this one renderer.
 */

/** `headers` is a flat [name, value, …] list, Content-Type first: no header object to build and walk. */
export interface Answer {
  status: number;
  headers: string[];
  body: Buffer | string;
}

export const json = (status: number, body: unknown, headers: string[] = []): Answer => ({
  status,
  headers: ['Content-Type', 'application/json', ...headers],
  body: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
});

/** A Rekor-style error answer: `{"code","message"}`; anything unexpected is a 500 without details. */
export function errorAnswer(e: unknown): Answer {
  if (e instanceof HttpError)
    return json(e.status, { code: e.status, message: e.message }, Object.entries(e.headers).flat());
  if (e instanceof EntryError)
    return json(400, { code: 400, message: `error processing entry: ${e.message}` });
  return json(500, { code: 500, message: 'internal error' });
}

/** The checkpoint part of the JSON, encoded once per tree head. */
let head = { note: '', noteJson: Buffer.alloc(0), tail: '' };

/**
 * The Rekor LogEntry JSON (`{"<entry id>": {…}}`, keys in Rekor's order) of a stored entry, with an inclusion
 * proof against the log's current checkpoint, in UTF-8, written straight into one Buffer: the checkpoint is
 * encoded once per tree head (its em dash would otherwise make every answer a two-byte string to flatten and
 * re-encode); base64, hex and integers are ASCII and need no escaping.
 */
export async function entryJson(log: TransparencyLog, e: StoredEntry): Promise<{ id: string; json: Buffer }> {
  const cp = log.checkpoint;
  if (e.index >= cp.size) throw new Error(`entry ${e.index} is not yet covered by a checkpoint`);
  const hashes = await log.inclusionProof(e.index, cp.size);
  if (head.note !== cp.note) {
    const tail = `,"rootHash":"${cp.rootHash.toString('hex')}","treeSize":${cp.size}}`;
    head = { note: cp.note, noteJson: Buffer.from(JSON.stringify(cp.note), 'utf8'), tail };
  }
  const id = entryId(log.treeId, e.uuid.toString('hex'));
  const att = e.attestation ? `"attestation":{"data":"${e.attestation.toString('base64')}"},` : '';
  const before =
    `{"${id}":{${att}"body":"${e.bodyBase64 ?? e.body.toString('base64')}","integratedTime":${e.integratedTime},` +
    `"logID":"${log.logId}","logIndex":${e.index},"verification":{"inclusionProof":{"checkpoint":`;
  const after =
    `,"hashes":[${hashes.map((h) => `"${h.toString('hex')}"`).join(',')}],` +
    `"logIndex":${e.index}${head.tail},"signedEntryTimestamp":"${e.set.toString('base64')}"}}}`;
  const note = head.noteJson;
  const out = Buffer.allocUnsafe(before.length + note.length + after.length);
  const n = out.write(before, 0, 'latin1');
  note.copy(out, n);
  out.write(after, n + note.length, 'latin1');
  return { id, json: out };
}

/** 201 with the new entry, or Rekor's 409 for an equivalent entry already in the log. */
export async function appendAnswer(log: TransparencyLog, r: AddResult): Promise<Answer> {
  const { id, json: body } = await entryJson(log, r.entry);
  const location = `/api/v1/log/entries/${id}`;
  if (r.created) return json(201, body, ['ETag', id, 'Location', location]);
  const message = `an equivalent entry already exists in the transparency log with UUID ${id}`;
  return errorAnswer(new HttpError(409, message, { Location: location }));
}
