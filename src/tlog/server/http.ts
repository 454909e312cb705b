import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { BodyError, readBody as readRequestBody, requestUrl } from '../../core/http-server.ts';
import { parseEntryRef, treeIdToHex } from '../types/ids.ts';
import type { StoredEntry } from '../store/store.ts';
import { EntryError, HttpError } from './errors.ts';
import { prepareProposed } from './prepare.ts';
import type { FastAnswer } from './fast-post.ts';
import { LoadGauge } from './load.ts';
import { VerifyPool } from './pool.ts';
import type { TransparencyLog } from './log.ts';
import { searchIndex } from './search.ts';
import { serveTiles } from './tiles.ts';
import { KEEP_ALIVE_MS, MAX_BODY_BYTES } from './tuning.ts';

export interface HttpOptions {
  /** Request body cap in bytes (Rekor-style 413 beyond it). */
  maxBodyBytes?: number;
  /** Verifies and canonicalises proposed entries (worker threads); default: in the event loop thread. */
  pool?: VerifyPool;
}

const MAX_RETRIEVE = 10;
const COMMA = Buffer.from(',');

/** Write an answer (JSON); headers in the flat [name, value, …] form: no header object to build and walk. */
function sendAnswer(res: ServerResponse, a: FastAnswer): void {
  const n = String(Buffer.byteLength(a.body));
  res.writeHead(a.status, ['Content-Type', 'application/json', ...a.headers, 'Content-Length', n]);
  res.end(a.body);
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  sendAnswer(res, { status, headers: [], body: text });
}

/** The request body; the core reader's errors become this server's answers (413 or 400, closing when unread). */
export function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  return readRequestBody(req, max).catch((e: unknown) => {
    if (!(e instanceof BodyError)) throw e;
    const close = e.code === 'HTTP_BODY_TOO_LARGE' ? !e.declared : e.cause !== undefined;
    throw new HttpError(
      e.code === 'HTTP_BODY_TOO_LARGE' ? 413 : 400,
      e.message,
      close ? { Connection: 'close' } : {},
    );
  });
}

function parseJsonBody(b: Buffer): unknown {
  try {
    return JSON.parse(b.toString('utf8'));
  } catch (e) {
    throw new HttpError(400, `parsing body body from "" failed, because ${(e as Error).message}`);
  }
}

function intParam(v: string | null, name: string, min: number): number | null {
  if (v === null) return null;
  if (!/^[0-9]+$/.test(v) || !Number.isSafeInteger(Number(v)) || Number(v) < min)
    throw new HttpError(400, `${name} in query must be an integer >= ${min}, got "${v}"`);
  return Number(v);
}

/** Rekor v1 REST API (https://github.com/sigstore/rekor/blob/main/openapi.yaml) plus the C2SP tlog-tiles read endpoints. */
export function createLogHttpServer(log: TransparencyLog, opts: HttpOptions = {}): Server {
  const max = opts.maxBodyBytes ?? MAX_BODY_BYTES;
  const pool = opts.pool ?? new VerifyPool(0);
  const server = createServer((req, res) => {
    route(log, pool, req, res, max).catch((e: unknown) => {
      if (!res.headersSent) sendAnswer(res, errorAnswer(e));
      if (!res.writableEnded) res.end();
    });
  });
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  return server;
}

async function route(
  log: TransparencyLog,
  pool: VerifyPool,
  req: IncomingMessage,
  res: ServerResponse,
  max: number,
): Promise<void> {
  const m = req.method ?? 'GET';
  if (m === 'POST' && req.url === '/api/v1/log/entries') return postEntry(log, pool, req, res, max); // no URL parse
  const url = requestUrl(req.url ?? '/');
  if (!url) throw new HttpError(400, 'invalid request target');
  const path = url.pathname.replace(/\/+$/, '') || '/';
  if (m === 'POST' && path === '/api/v1/log/entries') return postEntry(log, pool, req, res, max);
  if (m === 'GET' && path === '/api/v1/log/entries') return getByIndex(log, url, res);
  if (m === 'POST' && path === '/api/v1/log/entries/retrieve')
    return retrieve(log, await readBody(req, max), res);
  if (m === 'GET' && path.startsWith('/api/v1/log/entries/')) return getByUuid(log, path.slice(20), res);
  if (m === 'POST' && path === '/api/v1/index/retrieve') {
    const ids = await searchIndex(log, parseJsonBody(await readBody(req, max)));
    return send(res, 200, ids);
  }
  if (m === 'GET' && path === '/api/v1/log') return logInfo(log, res);
  if (m === 'GET' && path === '/api/v1/log/proof') return proof(log, url, res);
  if (m === 'GET' && path === '/api/v1/log/publicKey') {
    const tree = url.searchParams.get('treeID');
    if (tree !== null && tree !== log.treeId) throw new HttpError(400, `unknown treeID ${tree}`);
    res.writeHead(200, { 'Content-Type': 'application/x-pem-file' });
    return void res.end(log.key.publicKeyPem);
  }
  if (m === 'GET' && (await serveTiles(log, path, res))) return;
  throw new HttpError(404, `path ${path} was not found`);
}

const gauges = new WeakMap<TransparencyLog, LoadGauge>();

/** A Rekor-style error answer: `{"code","message"}`. */
function errorAnswer(e: unknown): FastAnswer {
  if (e instanceof HttpError)
    return {
      status: e.status,
      headers: Object.entries(e.headers).flat(),
      body: JSON.stringify({ code: e.status, message: e.message }),
    };
  if (e instanceof EntryError)
    return {
      status: 400,
      headers: [],
      body: JSON.stringify({ code: 400, message: `error processing entry: ${e.message}` }),
    };
  return { status: 500, headers: [], body: JSON.stringify({ code: 500, message: 'internal error' }) };
}

/** The answer to a proposed entry (201, 409 or an error), for node:http and the fast path alike. */
export async function appendAnswer(
  log: TransparencyLog,
  pool: VerifyPool,
  body: Buffer,
): Promise<FastAnswer> {
  let g = gauges.get(log);
  if (!g) gauges.set(log, (g = new LoadGauge()));
  const load = g.enter();
  try {
    const { entry, created } = await log.add(await pool.prepare(body, load));
    const { id, json } = await log.renderJson(entry);
    const location = `/api/v1/log/entries/${id}`;
    if (created) return { status: 201, headers: ['ETag', id, 'Location', location], body: json };
    const message = `an equivalent entry already exists in the transparency log with UUID ${id}`;
    return errorAnswer(new HttpError(409, message, { Location: location }));
  } catch (e) {
    return errorAnswer(e);
  } finally {
    g.leave();
  }
}

async function postEntry(
  log: TransparencyLog,
  pool: VerifyPool,
  req: IncomingMessage,
  res: ServerResponse,
  max: number,
): Promise<void> {
  sendAnswer(res, await appendAnswer(log, pool, await readBody(req, max)));
}

async function getByIndex(log: TransparencyLog, url: URL, res: ServerResponse): Promise<void> {
  const index = intParam(url.searchParams.get('logIndex'), 'logIndex', 0);
  if (index === null) throw new HttpError(400, 'logIndex in query is required');
  const e = index < log.checkpoint.size ? await log.store.entryByIndex(index) : null;
  if (!e) throw new HttpError(404, `no entry found at logIndex ${index}`);
  send(res, 200, (await log.renderJson(e)).json);
}

async function findByRef(log: TransparencyLog, ref: string): Promise<StoredEntry | null> {
  const r = parseEntryRef(ref);
  if (r.treeIdHex && r.treeIdHex !== treeIdToHex(log.treeId)) return null;
  const e = await log.store.entryByUuid(Buffer.from(r.uuid, 'hex'));
  return e && e.index < log.checkpoint.size ? e : null;
}

async function getByUuid(log: TransparencyLog, ref: string, res: ServerResponse): Promise<void> {
  let found: StoredEntry | null;
  try {
    found = await findByRef(log, ref);
  } catch (e) {
    throw new HttpError(400, (e as Error).message);
  }
  if (!found) throw new HttpError(404, `entry ${ref} not found`);
  send(res, 200, (await log.renderJson(found)).json);
}

async function retrieve(log: TransparencyLog, body: Buffer, res: ServerResponse): Promise<void> {
  const q = parseJsonBody(body) as { entryUUIDs?: unknown; logIndexes?: unknown; entries?: unknown };
  const list = (v: unknown, name: string): unknown[] => {
    if (v === undefined) return [];
    if (!Array.isArray(v)) throw new HttpError(400, `${name} must be an array`);
    return v;
  };
  const uuids = list(q?.entryUUIDs, 'entryUUIDs');
  const indexes = list(q?.logIndexes, 'logIndexes');
  const entries = list(q?.entries, 'entries');
  if (uuids.length + indexes.length + entries.length > MAX_RETRIEVE)
    throw new HttpError(422, `more than max allowed ${MAX_RETRIEVE} entries in request`);
  const found: StoredEntry[] = [];
  for (const u of uuids) {
    if (typeof u !== 'string') throw new HttpError(400, 'entryUUIDs must be strings');
    const f = await findByRef(log, u).catch((e: unknown) => {
      throw new HttpError(400, (e as Error).message);
    });
    if (f) found.push(f);
  }
  for (const i of indexes) {
    if (typeof i !== 'number' || !Number.isSafeInteger(i) || i < 0)
      throw new HttpError(400, 'logIndexes must be non-negative integers');
    const e = i < log.checkpoint.size ? await log.store.entryByIndex(i) : null;
    if (e) found.push(e);
  }
  for (const p of entries) {
    const f = await log.find(prepareProposed(p));
    if (f) found.push(f);
  }
  const jsons = await Promise.all(found.map(async (e) => (await log.renderJson(e)).json));
  send(
    res,
    200,
    Buffer.concat([Buffer.from('['), ...jsons.flatMap((j, i) => (i ? [COMMA, j] : [j])), Buffer.from(']')]),
  );
}

function logInfo(log: TransparencyLog, res: ServerResponse): void {
  const h = log.checkpoint;
  send(res, 200, {
    rootHash: h.rootHash.toString('hex'),
    signedTreeHead: h.note,
    treeID: log.treeId,
    treeSize: h.size,
  });
}

async function proof(log: TransparencyLog, url: URL, res: ServerResponse): Promise<void> {
  const first = intParam(url.searchParams.get('firstSize'), 'firstSize', 1) ?? 1;
  const last = intParam(url.searchParams.get('lastSize'), 'lastSize', 1);
  const tree = url.searchParams.get('treeID');
  if (tree !== null && tree !== log.treeId) throw new HttpError(400, `unknown treeID ${tree}`);
  if (last === null) throw new HttpError(400, 'lastSize in query is required');
  if (first > last)
    throw new HttpError(400, `firstSize(${first}) must be less than or equal to lastSize(${last})`);
  const size = log.checkpoint.size;
  if (last > size)
    throw new HttpError(400, `lastSize(${last}) must be less than or equal to the tree size (${size})`);
  const hashes = await log.consistencyProof(first, last);
  send(res, 200, {
    hashes: hashes.map((h) => h.toString('hex')),
    rootHash: (await log.rootAt(last)).toString('hex'),
  });
}
