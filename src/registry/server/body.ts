import type { IncomingMessage } from 'node:http';
import { BodyError, readBody as readRequestBody } from '../../core/http-server.ts';
import { SpecError } from './errors.ts';

/**
 * Read a request body, refusing more than `limit` bytes (checked against Content-Length first): an unread
 * declared body is drained, a body that outgrows the limit while streaming drops the connection.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return readRequestBody(req, limit).catch((e: unknown) => {
    if (!(e instanceof BodyError)) throw e;
    if (e.code === 'HTTP_BODY_INCOMPLETE') throw e.cause ?? e;
    if (e.declared) req.resume();
    else req.destroy();
    throw new SpecError(413, 'SIZE_INVALID', e.message);
  });
}
