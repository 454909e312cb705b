import type { IncomingMessage } from 'node:http';
import { SpecError } from './errors.ts';

/** Read a request body, refusing more than `limit` bytes (checked against Content-Length first). */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (declared > limit) {
      req.resume();
      reject(
        new SpecError(
          413,
          'SIZE_INVALID',
          `request body of ${declared} bytes exceeds the ${limit}-byte limit`,
        ),
      );
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.destroy();
        reject(new SpecError(413, 'SIZE_INVALID', `request body exceeds the ${limit}-byte limit`));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
