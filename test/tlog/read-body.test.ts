import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpError } from '../../src/tlog/server/errors.ts';
import { readBody } from '../../src/tlog/server/receive.ts';

type Outcome = { ok: Buffer } | { err: unknown };

/** A server whose handler only reads the body (cap 64 bytes) and reports how that read settled. */
async function bodyServer(): Promise<{ port: number; next: Promise<Outcome>; close: () => Promise<void> }> {
  let report!: (o: Outcome) => void;
  const next = new Promise<Outcome>((r) => (report = r));
  const server = createServer((req, res) => {
    readBody(req, 64).then(
      (b) => {
        report({ ok: b });
        res.end('ok');
      },
      (e: unknown) => {
        report({ err: e });
        res.destroy();
      },
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { port, next, close: () => new Promise((r) => server.close(() => r())) };
}

/** Send raw bytes on a fresh connection; `cut` destroys the socket right after writing. */
function rawSend(port: number, bytes: string, cut: boolean): void {
  const s = connect(port, '127.0.0.1', () => {
    s.write(bytes);
    if (cut) setTimeout(() => s.destroy(), 20);
  });
  s.on('error', () => {});
  if (!cut) s.on('data', () => s.end());
}

const head = (len: number): string =>
  `POST /api/v1/log/entries HTTP/1.1\r\nHost: x\r\nContent-Length: ${len}\r\n\r\n`;

describe('tlog server readBody', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => close?.());

  it.each([
    ['whole body', head(5) + 'hello', false, 'hello', null],
    ['client leaves mid-body', head(50) + 'only part', true, null, 400],
    ['declared length over the cap', head(100) + 'x', true, null, 413],
    ['just under the cap', head(64) + 'y'.repeat(64), false, 'y'.repeat(64), null],
    [
      'chunked past the cap',
      'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n50\r\n' +
        'z'.repeat(80) +
        '\r\n0\r\n\r\n',
      true,
      null,
      413,
    ],
  ] as const)('%s', async (_name, bytes, cut, want, status) => {
    const s = await bodyServer();
    close = s.close;
    rawSend(s.port, bytes, cut);
    const o = await s.next;
    if (want !== null) expect('ok' in o && o.ok.toString()).toBe(want);
    else {
      expect('err' in o && o.err).toBeInstanceOf(HttpError);
      expect((o as { err: HttpError }).err.status).toBe(status);
    }
  });
});
