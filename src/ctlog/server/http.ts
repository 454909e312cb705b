import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { BodyError, readBody, requestUrl } from '../../core/http-server.ts';
import { ChainsError } from '../../core/errors.ts';
import { encodePem, fromBase64, toBase64 } from '../../core/encoding.ts';
import { CtError } from '../sct/errors.ts';
import { sctToJson } from '../sct/sct.ts';
import { decodeChainRequest } from './chain.ts';
import type { SubmissionKind } from './chain.ts';
import { CtLogError } from './errors.ts';
import type { CtLog } from './log.ts';

/** RFC 6962 §4 over node:http, plus `GET /ct/v1/public-key` (PEM; not in the RFC) for trusted-root builders. */

export interface CtHttpOptions {
  maxBodyBytes?: number;
  /** Most entries one get-entries answers (RFC 6962 §4.6 lets a log return fewer). */
  maxGetEntries?: number;
}

function send(res: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: ServerResponse, e: unknown): void {
  const err =
    e instanceof CtLogError
      ? e
      : e instanceof CtError
        ? new CtLogError('CT_CERT_INVALID', e.message, { cause: e })
        : new CtLogError('CT_STORE', 'internal error', { cause: e });
  if (err.code === 'CT_BODY_TOO_LARGE') res.setHeader('connection', 'close');
  if (!res.headersSent)
    send(res, err.status, { error_code: err.wire, error_message: err.message, code: err.code });
  else res.destroy();
}

async function readJson(req: IncomingMessage, max: number): Promise<unknown> {
  const body = await readBody(req, max).catch((e: unknown) => {
    if (!(e instanceof BodyError)) throw e;
    if (e.code === 'HTTP_BODY_INCOMPLETE')
      throw new CtLogError('CT_REQUEST_INVALID', e.message, { cause: e });
    throw new CtLogError('CT_BODY_TOO_LARGE', `request body is larger than ${max} bytes`, { cause: e });
  });
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw new CtLogError('CT_REQUEST_INVALID', 'request body is not JSON', { cause: e });
  }
}

function intParam(q: URLSearchParams, name: string): number {
  const v = q.get(name);
  if (v === null || !/^\d{1,15}$/.test(v))
    throw new CtLogError('CT_REQUEST_INVALID', `${name} must be a non-negative integer`);
  return Number(v);
}

type Handler = (q: URLSearchParams, req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

/** The read endpoints (RFC 6962 §4.3–4.7, plus the public key): each returns its JSON answer. */
function reads(log: CtLog, o: Required<CtHttpOptions>): Record<string, (q: URLSearchParams) => unknown> {
  return {
    '/ct/v1/get-sth': () => {
      const s = log.signedTreeHead();
      return {
        tree_size: s.treeSize,
        timestamp: s.timestamp,
        sha256_root_hash: toBase64(s.rootHash),
        tree_head_signature: toBase64(s.signature),
      };
    },
    '/ct/v1/get-sth-consistency': (q) => ({
      consistency: log.consistency(intParam(q, 'first'), intParam(q, 'second')).map((h) => toBase64(h)),
    }),
    '/ct/v1/get-proof-by-hash': (q) => {
      const hash = fromBase64(q.get('hash') ?? '', 'hash');
      if (hash.length !== 32) throw new CtLogError('CT_REQUEST_INVALID', 'hash must be 32 bytes of base64');
      const p = log.proofByHash(hash, intParam(q, 'tree_size'));
      return { leaf_index: p.leafIndex, audit_path: p.auditPath.map((h) => toBase64(h)) };
    },
    '/ct/v1/get-entries': (q) => ({
      entries: log
        .entries(intParam(q, 'start'), intParam(q, 'end'), o.maxGetEntries)
        .map((r) => ({ leaf_input: toBase64(r.leaf), extra_data: toBase64(r.extra) })),
    }),
    '/ct/v1/get-roots': () => ({ certificates: log.roots.map((r) => toBase64(r.raw)) }),
  };
}

function routes(log: CtLog, o: Required<CtHttpOptions>): Record<string, [string, Handler]> {
  const add =
    (kind: SubmissionKind): Handler =>
    async (_q, req, res) => {
      const chain = decodeChainRequest(await readJson(req, o.maxBodyBytes));
      send(res, 200, sctToJson(await log.add(kind, chain)));
    };
  const pem = encodePem('PUBLIC KEY', log.publicKey.export({ type: 'spki', format: 'der' }));
  const table: Record<string, [string, Handler]> = {
    '/ct/v1/add-chain': ['POST', add('add-chain')],
    '/ct/v1/add-pre-chain': ['POST', add('add-pre-chain')],
    '/ct/v1/public-key': ['GET', (_q, _r, res) => send(res, 200, pem, 'application/x-pem-file')],
  };
  for (const [path, read] of Object.entries(reads(log, o)))
    table[path] = ['GET', (q, _r, res) => send(res, 200, read(q))];
  return table;
}

export function createCtHttpServer(log: CtLog, opts: CtHttpOptions = {}): Server {
  const table = routes(log, {
    maxBodyBytes: opts.maxBodyBytes ?? 512 * 1024,
    maxGetEntries: opts.maxGetEntries ?? 256,
  });
  return createServer((req, res) => {
    const url = requestUrl(req.url ?? '/');
    const route = url && table[url.pathname.replace(/\/+$/, '')];
    const run = async (): Promise<void> => {
      if (!url) throw new CtLogError('CT_REQUEST_INVALID', 'invalid request target');
      if (!route) throw new CtLogError('CT_NOT_FOUND', `no route ${url.pathname}`);
      if (req.method !== route[0]) throw new CtLogError('CT_METHOD', `${url.pathname} takes ${route[0]}`);
      await route[1](url.searchParams, req, res);
    };
    run().catch((e: unknown) => {
      sendError(
        res,
        e instanceof ChainsError && !(e instanceof CtLogError) && !(e instanceof CtError)
          ? new CtLogError('CT_REQUEST_INVALID', e.message, { cause: e })
          : e,
      );
      if (e instanceof CtLogError && e.code === 'CT_BODY_TOO_LARGE') req.resume();
    });
  });
}
