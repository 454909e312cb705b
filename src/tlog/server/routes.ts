import { errorAnswer, json } from './answer.ts';
import type { Answer } from './answer.ts';
import { requestUrl } from '../../core/http-server.ts';
import { HttpError } from './errors.ts';
import type { TransparencyLog } from './log.ts';
import { parseBody } from './parse.ts';
import { consistency, getByIndex, getByRef, logInfo, publicKey, retrieve } from './reads.ts';
import { searchIndex } from './search.ts';
import { TILE, checkpoint, tile } from './tiles.ts';

/**
 * The route table: every endpoint of the log is declared here once, and every error becomes its answer here
 * once. In: a parsed request (from node:http, or from the append fast path). Out: the answer to write.
 * Rekor v1 REST API (https://github.com/sigstore/rekor/blob/main/openapi.yaml) plus the C2SP tlog-tiles reads.
 */

export interface Request {
  method: string;
  /** Without trailing slashes; "/" for the root. */
  path: string;
  query: URLSearchParams;
  /** The body of a POST route (empty for GET). */
  body: Buffer;
}

export interface Route {
  method: 'GET' | 'POST';
  /** An exact path, or a pattern whose groups the handler reads. */
  path: string | RegExp;
  /** Plain requests to this route may be served by the fast path (its path exact, no query). */
  fast?: boolean;
  handle(req: Request, match: RegExpExecArray | null): Promise<Answer> | Answer;
}

/** Every route of the log; `append` is the append pipeline (append.ts). */
export function logRoutes(log: TransparencyLog, append: (body: Buffer) => Promise<Answer>): Route[] {
  return [
    { method: 'POST', path: '/api/v1/log/entries', fast: true, handle: (r) => append(r.body) },
    { method: 'GET', path: '/api/v1/log/entries', handle: (r) => getByIndex(log, r) },
    { method: 'POST', path: '/api/v1/log/entries/retrieve', handle: (r) => retrieve(log, r) },
    { method: 'GET', path: /^\/api\/v1\/log\/entries\/(.+)$/, handle: (_, m) => getByRef(log, m?.[1] ?? '') },
    {
      method: 'POST',
      path: '/api/v1/index/retrieve',
      handle: async (r) => json(200, await searchIndex(log, parseBody(r.body))),
    },
    { method: 'GET', path: '/api/v1/log', handle: () => logInfo(log) },
    { method: 'GET', path: '/api/v1/log/proof', handle: (r) => consistency(log, r) },
    { method: 'GET', path: '/api/v1/log/publicKey', handle: (r) => publicKey(log, r) },
    { method: 'GET', path: '/checkpoint', handle: () => checkpoint(log) },
    { method: 'GET', path: TILE, handle: (_, m) => tile(log, m as RegExpExecArray) },
  ];
}

const EMPTY = Buffer.alloc(0);

/** A matched route's answer, every error mapped by errorAnswer; never rejects. */
export async function serveRoute(
  route: Route,
  req: Request,
  match: RegExpExecArray | null = null,
): Promise<Answer> {
  try {
    return await route.handle(req, match);
  } catch (e) {
    return errorAnswer(e);
  }
}

/** The answer to a request target; `body` reads the request body, called for POST routes only. */
export async function respond(
  routes: readonly Route[],
  method: string,
  target: string,
  body: () => Promise<Buffer>,
): Promise<Answer> {
  try {
    const url = requestUrl(target);
    if (!url) throw new HttpError(400, 'invalid request target');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    for (const route of routes) {
      if (route.method !== method) continue;
      const match = typeof route.path === 'string' ? null : route.path.exec(path);
      if (route.path !== path && !match) continue;
      const req = { method, path, query: url.searchParams, body: method === 'POST' ? await body() : EMPTY };
      return await serveRoute(route, req, match);
    }
    throw new HttpError(404, `path ${path} was not found`);
  } catch (e) {
    return errorAnswer(e);
  }
}
