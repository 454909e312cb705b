import { existsSync, readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRegistries } from '../../setup/env.ts';
import { nodeTransport } from '../../../src/tlog/client/http.ts';
import { RekorClient } from '../../../src/tlog/client/rekor.ts';

/** A real node:http server whose answer per path is chosen by the test. */
let server: ReturnType<typeof createHttpServer>;
let base = '';
const connections: Socket[] = [];
const seen: { method: string; body: string; length?: string }[] = [];

function handle(req: IncomingMessage, res: ServerResponse): void {
  const parts: Buffer[] = [];
  req.on('data', (c: Buffer) => parts.push(c));
  req.on('end', () => {
    seen.push({
      method: req.method ?? '',
      body: Buffer.concat(parts).toString(),
      length: req.headers['content-length'],
    });
    if (req.url === '/chunked') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"a":');
      setTimeout(() => res.end('[1,2,3]}'), 5);
    } else if (req.url?.startsWith('/slow')) setTimeout(() => res.end('late'), 2000);
    else if (req.url === '/close') res.writeHead(200, { Connection: 'close' }).end('bye');
    else
      res.writeHead(201, { ETag: '"x"', Location: '/here' }).end(JSON.stringify({ echo: seen.at(-1)?.body }));
  });
}

beforeAll(async () => {
  server = createHttpServer(handle);
  server.on('connection', (s) => connections.push(s));
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

describe('keep-alive HTTP/1.1 transport', () => {
  it('sends JSON with its length, reads status, headers and body, and reuses one connection', async () => {
    const t = nodeTransport(base, { timeoutMs: 1000 });
    const before = connections.length;
    for (const word of ['one', 'zwei', 'três']) {
      const a = await t('POST', '/x?q=1', JSON.stringify({ word }));
      expect(a.status).toBe(201);
      expect(a.header('etag')).toBe('"x"');
      expect(a.header('Location')).toBe('/here');
      expect(JSON.parse(a.body.toString())).toEqual({ echo: JSON.stringify({ word }) });
      expect(seen.at(-1)).toMatchObject({
        method: 'POST',
        length: String(Buffer.byteLength(JSON.stringify({ word }))),
      });
    }
    expect(connections.length - before).toBe(1);
  });

  it('reads a chunked answer', async () => {
    const a = await nodeTransport(base, { timeoutMs: 1000 })('GET', '/chunked');
    expect(JSON.parse(a.body.toString())).toEqual({ a: [1, 2, 3] });
  });

  it('opens a new connection after the server answered Connection: close', async () => {
    const t = nodeTransport(base, { timeoutMs: 1000 });
    const before = connections.length;
    expect((await t('GET', '/close')).body.toString()).toBe('bye');
    expect((await t('GET', '/close')).body.toString()).toBe('bye');
    expect(connections.length - before).toBe(2);
  });

  it('retries once on a fresh socket when the server drops a kept-alive one instead of answering', async () => {
    // each connection answers its first request and drops the second unanswered (a keep-alive close race)
    let opened = 0;
    const raw: Server = createNetServer((sock) => {
      opened++;
      let n = 0;
      sock.on('data', () => {
        if (++n === 1) sock.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
        else sock.destroy();
      });
    });
    await new Promise<void>((ok) => raw.listen(0, '127.0.0.1', ok));
    const url = `http://127.0.0.1:${(raw.address() as AddressInfo).port}/`;
    const t = nodeTransport(url, { timeoutMs: 1000 });
    expect((await t('GET', '/')).body.toString()).toBe('ok');
    expect((await t('POST', '/', '{}')).body.toString()).toBe('ok');
    expect(opened).toBe(2);
    // a fresh socket is not retried: the failure is reported
    const dropAll: Server = createNetServer((sock) => sock.on('data', () => sock.destroy()));
    await new Promise<void>((ok) => dropAll.listen(0, '127.0.0.1', ok));
    const port = (dropAll.address() as AddressInfo).port;
    await expect(nodeTransport(`http://127.0.0.1:${port}`, { timeoutMs: 1000 })('GET', '/')).rejects.toThrow(
      /closed before the answer|ECONNRESET/,
    );
    await new Promise<void>((ok) => raw.close(() => ok()));
    await new Promise<void>((ok) => dropAll.close(() => ok()));
  });

  it('runs concurrent requests on several sockets, never more than maxSockets', async () => {
    const t = nodeTransport(base, { timeoutMs: 1000, maxSockets: 3 });
    const before = connections.length;
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => t('POST', '/p', `{"i":${i}}`)));
    expect(answers.map((a) => JSON.parse(JSON.parse(a.body.toString()).echo).i)).toEqual([
      ...Array(12).keys(),
    ]);
    expect(connections.length - before).toBeLessThanOrEqual(3);
  });

  it('a timeout and an unreachable server become TLOG_HTTP errors naming the server', async () => {
    const slow = new RekorClient(`${base}/slow`, { timeoutMs: 100 });
    await expect(slow.logInfo()).rejects.toMatchObject({
      code: 'TLOG_HTTP',
      message: expect.stringMatching(/cannot reach .*\/slow: no answer within 100 ms/),
    });
    const closed = createHttpServer();
    await new Promise<void>((ok) => closed.listen(0, '127.0.0.1', ok));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((ok) => closed.close(() => ok()));
    await expect(new RekorClient(`http://127.0.0.1:${port}`).logInfo()).rejects.toMatchObject({
      code: 'TLOG_HTTP',
      message: expect.stringMatching(/cannot reach http:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED/),
    });
  });

  it('reads an HTTP/1.0 answer framed by connection close from a raw server', async () => {
    const raw: Server = createNetServer((s) =>
      s.once('data', () => s.end('HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil close')),
    );
    await new Promise<void>((ok) => raw.listen(0, '127.0.0.1', ok));
    const url = `http://127.0.0.1:${(raw.address() as AddressInfo).port}/`;
    const a = await nodeTransport(url, { timeoutMs: 1000 })('GET', '/');
    expect(a.body.toString()).toBe('until close');
    await new Promise<void>((ok) => raw.close(() => ok()));
  });

  it('bounds the answer body (maxBytes) and joins repeated header fields', async () => {
    const raw: Server = createNetServer((s) =>
      s.on('data', (d: Buffer) =>
        s.write(
          d.includes('/big')
            ? 'HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n'
            : 'HTTP/1.1 200 OK\r\nLink: <a>\r\nLink: <b>\r\nContent-Length: 2\r\n\r\n{}',
        ),
      ),
    );
    await new Promise<void>((ok) => raw.listen(0, '127.0.0.1', ok));
    const url = `http://127.0.0.1:${(raw.address() as AddressInfo).port}`;
    const t = nodeTransport(url, { timeoutMs: 1000, maxBytes: 100 });
    expect((await t('GET', '/small')).header('LINK')).toBe('<a>, <b>');
    await expect(t('GET', '/big')).rejects.toThrow(/5000 bytes over the limit/);
    raw.close();
  });

  it('speaks TLS with an extra CA (the test registry)', async () => {
    const r = testRegistries();
    const ca = existsSync(r.caCert) ? readFileSync(r.caCert, 'utf8') : r.caCert;
    const a = await nodeTransport(`https://${r.tls}`, { timeoutMs: 2000, ca })('GET', '/v2/');
    expect(a.status).toBe(401); // htpasswd registry: the TLS handshake and HTTP exchange worked
    await expect(nodeTransport(`https://${r.tls}`, { timeoutMs: 2000 })('GET', '/v2/')).rejects.toThrow(
      /self[- ]signed|unable to verify|certificate/i,
    );
  });
});
