import type { z } from 'zod';
import { TlogError, treeIdFromHex } from '../types/ids.ts';
import {
  consistencyProofSchema,
  errorBodySchema,
  logEntryValueSchema,
  logInfoSchema,
} from '../types/wire.ts';
import type { ConsistencyProof, LogInfo, ProposedEntry, SearchIndex, TlogEntry } from '../types/wire.ts';
import { fetchTransport, nodeTransport } from './http.ts';
import type { HttpAnswer, HttpTransport } from './http.ts';
import { verifyLogEntry } from './verify.ts';
import type { LogKeyInput } from './verify.ts';

export interface RekorClientOptions {
  /** When set, every returned entry is verified (UUID, SET, inclusion proof, checkpoint) before it is returned. */
  logPublicKey?: LogKeyInput;
  timeoutMs?: number;
  /** extra PEM CA for an https log */
  caCert?: string;
  /** a `fetch` to use instead of node:http (tests inject lying or failing servers through it) */
  fetch?: typeof fetch;
}

export interface CreatedEntry extends TlogEntry {
  /** false when the server answered 409 and the existing entry was fetched instead. */
  created: boolean;
  location: string;
}

/** A Rekor v1 REST client (https://github.com/sigstore/rekor/blob/main/openapi.yaml). Talks to our `chains tlog serve` and to real Rekor alike. */
export class RekorClient {
  readonly baseUrl: string;
  private readonly o: RekorClientOptions;
  private readonly transport: HttpTransport;

  constructor(baseUrl: string, opts: RekorClientOptions = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.o = opts;
    const timeoutMs = opts.timeoutMs ?? 30_000;
    this.transport = opts.fetch
      ? fetchTransport(this.baseUrl, opts.fetch, timeoutMs)
      : nodeTransport(this.baseUrl, { timeoutMs, ...(opts.caCert ? { ca: opts.caCert } : {}) });
  }

  private async call(method: string, path: string, body?: unknown): Promise<HttpAnswer> {
    try {
      return await this.transport(method, path, body === undefined ? undefined : JSON.stringify(body));
    } catch (e) {
      throw new TlogError('TLOG_HTTP', `cannot reach ${this.baseUrl}: ${(e as Error).message}`, { cause: e });
    }
  }

  private fail(res: HttpAnswer, what: string): never {
    const text = res.body.toString('utf8');
    let message = text.trim() || res.statusText;
    try {
      const p = errorBodySchema.safeParse(JSON.parse(text));
      if (p.success) message = p.data.message;
    } catch {
      /* not JSON: keep the text */
    }
    const err = new TlogError(
      res.status === 404 ? 'TLOG_NOT_FOUND' : 'TLOG_HTTP',
      `${what}: ${res.status} ${message}`,
    );
    err.status = res.status;
    throw err;
  }

  private raw(res: HttpAnswer, what: string): unknown {
    try {
      return JSON.parse(res.body.toString('utf8')) as unknown;
    } catch (e) {
      throw new TlogError('TLOG_BAD_RESPONSE', `${what}: response is not JSON`, { cause: e });
    }
  }

  private json<T>(res: HttpAnswer, schema: z.ZodType<T>, what: string): T {
    const p = schema.safeParse(this.raw(res, what));
    if (!p.success)
      throw new TlogError(
        'TLOG_BAD_RESPONSE',
        `${what}: unexpected response shape: ${p.error.issues[0]?.message}`,
      );
    return p.data;
  }

  /**
   * A LogEntry answer: exactly one entry ID (https://github.com/sigstore/rekor/blob/main/openapi.yaml) whose value is shape-checked; the one-key map is
   * checked by hand because zod's record + refine cost several times the object schema on every upload.
   */
  private entry(raw: unknown, what: string): TlogEntry {
    const ids = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? Object.keys(raw) : [];
    const uuid = ids[0];
    if (uuid === undefined || ids.length !== 1)
      throw new TlogError(
        'TLOG_BAD_RESPONSE',
        `${what}: unexpected response shape: a log entry must have exactly one entry ID`,
      );
    const p = logEntryValueSchema.safeParse((raw as Record<string, unknown>)[uuid]);
    if (!p.success)
      throw new TlogError(
        'TLOG_BAD_RESPONSE',
        `${what}: unexpected response shape: ${p.error.issues[0]?.message}`,
      );
    const entry = { uuid, ...p.data };
    if (this.o.logPublicKey) verifyLogEntry(entry, this.o.logPublicKey);
    return entry;
  }

  /** POST /api/v1/log/entries; on 409 fetches and returns the existing entry (idempotent retries). */
  async createEntry(proposed: ProposedEntry): Promise<CreatedEntry> {
    const res = await this.call('POST', '/api/v1/log/entries', proposed);
    if (res.status === 409) {
      const location = res.header('location') ?? '';
      const id = location.split('/').pop() ?? '';
      if (!id) throw new TlogError('TLOG_BAD_RESPONSE', '409 without a Location header');
      return { ...(await this.getEntry(id)), created: false, location };
    }
    if (res.status !== 201) return this.fail(res, 'creating entry');
    const entry = this.entry(this.raw(res, 'creating entry'), 'creating entry');
    const etag = res.header('etag');
    if (etag && etag.replace(/"/g, '') !== entry.uuid)
      throw new TlogError(
        'TLOG_BAD_RESPONSE',
        `ETag ${etag} does not match the returned entry ID ${entry.uuid}`,
      );
    return {
      ...entry,
      created: true,
      location: res.header('location') ?? `/api/v1/log/entries/${entry.uuid}`,
    };
  }

  /** GET /api/v1/log/entries/{uuid or entry ID}; the returned ID must match the request. */
  async getEntry(uuidOrEntryId: string): Promise<TlogEntry> {
    const res = await this.call('GET', `/api/v1/log/entries/${encodeURIComponent(uuidOrEntryId)}`);
    if (res.status !== 200) return this.fail(res, `getting entry ${uuidOrEntryId}`);
    const entry = this.entry(this.raw(res, 'getting entry'), 'getting entry');
    if (!entry.uuid.endsWith(uuidOrEntryId.toLowerCase().slice(-64)))
      throw new TlogError('TLOG_BAD_RESPONSE', `asked for ${uuidOrEntryId}, got ${entry.uuid}`);
    return entry;
  }

  async getEntryByIndex(logIndex: number): Promise<TlogEntry> {
    const res = await this.call('GET', `/api/v1/log/entries?logIndex=${logIndex}`);
    if (res.status !== 200) return this.fail(res, `getting entry at index ${logIndex}`);
    const entry = this.entry(this.raw(res, 'getting entry'), 'getting entry');
    if (entry.logIndex !== logIndex)
      throw new TlogError('TLOG_BAD_RESPONSE', `asked for index ${logIndex}, got ${entry.logIndex}`);
    return entry;
  }

  /** POST /api/v1/log/entries/retrieve (≤ 10 items in total); not-found items are omitted. */
  async retrieve(q: {
    entryUUIDs?: string[];
    logIndexes?: number[];
    entries?: ProposedEntry[];
  }): Promise<TlogEntry[]> {
    const res = await this.call('POST', '/api/v1/log/entries/retrieve', q);
    if (res.status !== 200) return this.fail(res, 'retrieving entries');
    const list = this.raw(res, 'retrieving entries');
    if (!Array.isArray(list)) throw new TlogError('TLOG_BAD_RESPONSE', 'retrieve answer is not a list');
    return list.map((item) => this.entry(item, 'retrieve answer'));
  }

  /** POST /api/v1/index/retrieve: entry IDs matching the query. */
  async search(query: SearchIndex): Promise<string[]> {
    const res = await this.call('POST', '/api/v1/index/retrieve', query);
    if (res.status !== 200) return this.fail(res, 'searching the index');
    const ids = this.raw(res, 'searching the index');
    if (!Array.isArray(ids) || ids.some((i) => typeof i !== 'string'))
      throw new TlogError('TLOG_BAD_RESPONSE', 'search answer is not a list of entry IDs');
    return ids as string[];
  }

  async logInfo(): Promise<LogInfo> {
    const res = await this.call('GET', '/api/v1/log');
    if (res.status !== 200) return this.fail(res, 'getting log info');
    return this.json(res, logInfoSchema, 'getting log info');
  }

  async consistencyProof(firstSize: number, lastSize: number, treeId?: string): Promise<ConsistencyProof> {
    const q = `firstSize=${firstSize}&lastSize=${lastSize}${treeId ? `&treeID=${treeId}` : ''}`;
    const res = await this.call('GET', `/api/v1/log/proof?${q}`);
    if (res.status !== 200) return this.fail(res, 'getting consistency proof');
    return this.json(res, consistencyProofSchema, 'getting consistency proof');
  }

  /** GET /api/v1/log/publicKey (PEM), optionally for the tree of an entry ID. */
  async publicKey(entryIdOrTreeId?: string): Promise<string> {
    const tree =
      entryIdOrTreeId && /^[0-9a-f]{80}$/i.test(entryIdOrTreeId)
        ? treeIdFromHex(entryIdOrTreeId.slice(0, 16))
        : entryIdOrTreeId;
    const res = await this.call('GET', `/api/v1/log/publicKey${tree ? `?treeID=${tree}` : ''}`);
    if (res.status !== 200) return this.fail(res, 'getting the log public key');
    return res.body.toString('utf8');
  }
}
