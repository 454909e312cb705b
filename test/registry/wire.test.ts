import { createServer as createHttpServer } from 'node:http';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { nodeTransport } from '../../src/registry/transport.ts';
import { Http1Client } from '../../src/core/http1/index.ts';

const servers: { close(): void }[] = [];
afterEach(() => servers.splice(0).forEach((s) => s.close()));

/** A TCP server answering each request (head + declared body read) with `answer(n)`; counts connections. */
async function scripted(
  answer: (n: number, req: string) => string | Buffer,
  closeAfter = false,
): Promise<{ url: string; conns: () => number; requests: string[] }> {
  let conns = 0;
  const requests: string[] = [];
  const server: Server = createServer((s: Socket) => {
    conns++;
    let buf = Buffer.alloc(0);
    let ended = false;
    s.on('data', (d: Buffer) => {
      // a server that has closed its side reads nothing more (as node and Go servers do): reset
      if (ended) return void s.destroy();
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.toString('latin1', 0, end);
        const len = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
        if (buf.length < end + 4 + len) return;
        requests.push(buf.toString('latin1', 0, end + 4 + len));
        buf = buf.subarray(end + 4 + len);
        s.write(answer(requests.length, head));
        if (closeAfter) {
          ended = true;
          s.end();
          return;
        }
      }
    });
    s.on('error', () => {});
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  servers.push({ close: () => server.close() });
  server.unref();
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    conns: () => conns,
    requests,
  };
}

const get = (t: ReturnType<typeof nodeTransport>, url: string, method = 'GET', body?: Buffer) =>
  t({ method, url: new URL(url), maxBytes: 1 << 20, ...(body ? { body } : {}) });

describe('registry wire transport', () => {
  const bodies: [string, string, string][] = [
    ['content-length', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello', 'hello'],
    [
      'chunked with extension and trailer',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nhel\r\n2\r\nlo\r\n0\r\nX-T: 1\r\n\r\n',
      'hello',
    ],
    [
      '100 Continue first',
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
      'ok',
    ],
    ['empty 201', 'HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n', ''],
  ];
  it.each(bodies)('reads a %s body and reuses the connection', async (_, raw, want) => {
    const srv = await scripted(() => raw);
    const t = nodeTransport();
    for (let i = 0; i < 3; i++) expect((await get(t, `${srv.url}/v2/`)).body.toString()).toBe(want);
    expect(srv.conns()).toBe(1);
  });

  it('reads a body delimited by the end of the connection, then opens a new one', async () => {
    const srv = await scripted(() => 'HTTP/1.1 200 OK\r\n\r\nuntil close', true);
    const t = nodeTransport();
    expect((await get(t, `${srv.url}/a`)).body.toString()).toBe('until close');
    expect((await get(t, `${srv.url}/b`)).body.toString()).toBe('until close');
    expect(srv.conns()).toBe(2);
  });

  it('HEAD answers carry no body even with a Content-Length', async () => {
    const srv = await scripted(() => 'HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n');
    const t = nodeTransport();
    const r = await get(t, `${srv.url}/v2/x/blobs/sha256:00`, 'HEAD');
    expect([r.status, r.body.length, r.headers['content-length']]).toEqual([200, 0, '1234']);
    expect((await get(t, `${srv.url}/again`, 'HEAD')).status).toBe(200);
    expect(srv.conns()).toBe(1);
  });

  it('sends the head and a small body in one request with Content-Length, POST without body has 0', async () => {
    const srv = await scripted(() => 'HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n');
    const t = nodeTransport();
    await get(t, `${srv.url}/v2/r/blobs/uploads/?digest=sha256%3Aab`, 'POST', Buffer.from('bytes'));
    await get(t, `${srv.url}/v2/r/blobs/uploads/`, 'POST');
    expect(srv.requests[0]).toMatch(
      /^POST \/v2\/r\/blobs\/uploads\/\?digest=sha256%3Aab HTTP\/1\.1\r\nhost: 127\.0\.0\.1:\d+\r\ncontent-length: 5\r\n\r\nbytes$/,
    );
    expect(srv.requests[1]).toMatch(/content-length: 0\r\n\r\n$/);
  });

  it('refuses header values that would split the request', async () => {
    const srv = await scripted(() => 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
    const t = nodeTransport();
    await expect(
      t({
        method: 'GET',
        url: new URL(`${srv.url}/`),
        headers: { authorization: 'Bearer x\r\nX-Injected: 1' },
        maxBytes: 10,
      }),
    ).rejects.toMatchObject({
      code: 'REGISTRY_ERROR',
      message: expect.stringMatching(/invalid HTTP header/),
    });
    expect(srv.requests).toEqual([]);
  });

  it('fails a declared 2xx body over the limit at once, with the coded error', async () => {
    const srv = await scripted(() => 'HTTP/1.1 200 OK\r\nContent-Length: 999999\r\n\r\n');
    const t = nodeTransport();
    await expect(
      t({
        method: 'GET',
        url: new URL(`${srv.url}/v2/r/manifests/x`),
        maxBytes: 100,
        tooLarge: 'MANIFEST_TOO_LARGE',
      }),
    ).rejects.toMatchObject({ code: 'MANIFEST_TOO_LARGE' });
  });

  it('sends a request again on a fresh connection when the server closed the idle kept-alive one', async () => {
    let n = 0;
    const server = createHttpServer((req, res) => {
      n++;
      res.setHeader('content-length', 2);
      res.end('ok');
    });
    server.keepAliveTimeout = 50;
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    servers.push({ close: () => server.close() });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const t = nodeTransport();
    expect((await get(t, url)).body.toString()).toBe('ok');
    await new Promise((r) => setTimeout(r, 150)); // the server closes the idle socket meanwhile
    expect((await get(t, url)).body.toString()).toBe('ok');
    expect(n).toBe(2);
  });

  it('a kept-alive connection dropped without an answer: the request goes once more on a new one', async () => {
    let conns = 0;
    const server = createServer((s: Socket) => {
      conns++;
      let answered = 0;
      s.on('data', () => {
        // the first request on each connection is answered; a second one finds the connection gone
        if (answered++ === 0) s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
        else s.destroy();
      });
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    servers.push({ close: () => server.close() });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const t = nodeTransport();
    expect((await get(t, url)).body.toString()).toBe('ok');
    expect((await get(t, url)).body.toString()).toBe('ok');
    expect(conns).toBe(2);
  });

  it('a server that closes after every answer without saying so: every request still gets its answer', async () => {
    const srv = await scripted(() => 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok', true);
    const t = nodeTransport();
    for (let i = 0; i < 20; i++) expect((await get(t, `${srv.url}/v2/`)).body.toString()).toBe('ok');
    expect(srv.requests).toHaveLength(20);
  });

  it('a request that times out on a kept-alive connection is not sent again', async () => {
    let seen = 0;
    const server = createServer((s: Socket) => {
      s.on('data', () => {
        // the first request is answered, the second never is
        if (seen++ === 0) s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      });
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    servers.push({ close: () => server.close() });
    const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    const wire = new Http1Client({ maxSockets: 4, timeoutMs: 200 });
    expect((await wire.request({ method: 'GET', url, headers: {}, maxBytes: 10 })).body.toString()).toBe(
      'ok',
    );
    await expect(wire.request({ method: 'GET', url, headers: {}, maxBytes: 10 })).rejects.toThrow(
      /timed out/,
    );
    expect(seen).toBe(2);
  });

  it('caps connections per origin: requests beyond the cap wait for a free one', async () => {
    const srv = await scripted(() => 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    const wire = new Http1Client({ maxSockets: 2, timeoutMs: 5000 });
    const url = new URL(`${srv.url}/v2/`);
    const all = await Promise.all(
      Array.from({ length: 9 }, () => wire.request({ method: 'GET', url, headers: {}, maxBytes: 10 })),
    );
    expect(all.map((r) => r.body.toString())).toEqual(Array(9).fill('ok'));
    expect(srv.conns()).toBe(2);
  });

  it('closes a pooled connection idle for idleMs; the next request opens a new one', async () => {
    const srv = await scripted(() => 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    const wire = new Http1Client({ maxSockets: 2, timeoutMs: 5000, idleMs: 40 });
    const url = new URL(`${srv.url}/v2/`);
    await wire.request({ method: 'GET', url, headers: {}, maxBytes: 10 });
    await wire.request({ method: 'GET', url, headers: {}, maxBytes: 10 });
    expect(srv.conns()).toBe(1);
    await new Promise((r) => setTimeout(r, 150));
    await wire.request({ method: 'GET', url, headers: {}, maxBytes: 10 });
    expect(srv.conns()).toBe(2);
  });

  it('connection refused -> REGISTRY_UNREACHABLE naming the host', async () => {
    const srv = await scripted(() => '');
    servers.splice(0).forEach((s) => s.close());
    await new Promise((r) => setTimeout(r, 20));
    await expect(get(nodeTransport(), `${srv.url}/v2/`)).rejects.toMatchObject({
      code: 'REGISTRY_UNREACHABLE',
      message: expect.stringContaining(new URL(srv.url).host),
    });
  });
});
