import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Server } from 'node:net';
import { BodyError, readBody as readRequestBody } from '../../core/http-server.ts';
import type { Answer } from './answer.ts';
import { HttpError } from './errors.ts';
import { withFastPath } from './fast-post.ts';
import { respond } from './routes.ts';
import type { Route } from './routes.ts';
import { KEEP_ALIVE_MS } from './tuning.ts';

/**
 * Stage 1 of the append path, receive. In: connections. Out: each request (method, target, body) handed to the
 * route table, and its answer written back. Plain requests to a `fast` route (the append) are read from the
 * socket by the fast path (fast-post.ts); every other request, and the rest of such a connection, by node:http.
 */

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

function write(res: ServerResponse, a: Answer): void {
  const n = String(Buffer.byteLength(a.body));
  res.writeHead(a.status, [...a.headers, 'Content-Length', n]);
  res.end(a.body);
}

/** A server for the route table (listen on it, close it with closeFast()). */
export function routeServer(
  routes: readonly Route[],
  maxBody: number,
): Server & { closeFast(): Promise<void> } {
  const http = createServer((req, res) => {
    respond(routes, req.method ?? 'GET', req.url ?? '/', () => readBody(req, maxBody))
      .then((a) => write(res, a))
      .catch(() => res.destroy());
  });
  http.keepAliveTimeout = KEEP_ALIVE_MS;
  return withFastPath(http, routes, maxBody);
}
