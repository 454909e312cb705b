import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BodyError, readBody } from '../../src/core/http-server.ts';
import { startHealthServer } from '../../src/controller/kube/http.ts';
import { PromRegistry } from '../../src/controller/metrics.ts';
import { startRegistryServer } from '../../src/registry/server/server.ts';

// Each request's readBody outcome, in arrival order: the body as text, or the BodyError's code.
const outcomes: { resolve: (v: string) => void; promise: Promise<string> }[] = [];
let server: Server;
let port = 0;

function next(): Promise<string> {
  let resolve!: (v: string) => void;
  const promise = new Promise<string>((r) => (resolve = r));
  outcomes.push({ resolve, promise });
  return promise;
}

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res) => {
    const o = outcomes.shift();
    readBody(req, 16).then(
      (b) => {
        o?.resolve(b.toString('utf8'));
        res.end('ok');
      },
      (e: unknown) => {
        o?.resolve(e instanceof BodyError ? `${e.code}${e.declared ? ' declared' : ''}` : String(e));
        res.writeHead(413, { Connection: 'close' }).end();
      },
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

function send(raw: string, end = true): void {
  const s = connect(port, '127.0.0.1', () =>
    end ? s.end(raw) : s.write(raw, () => setTimeout(() => s.destroy(), 50)),
  );
  s.on('error', () => undefined).resume();
}

describe('readBody over a real socket', () => {
  it('reads a body within the cap, Content-Length or chunked', async () => {
    const a = next();
    send('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello');
    expect(await a).toBe('hello');
    const b = next();
    send(
      'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n',
    );
    expect(await b).toBe('abcde');
  });

  it('refuses a declared body over the cap without reading it', async () => {
    const a = next();
    send('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 17\r\nConnection: close\r\n\r\n');
    expect(await a).toBe('HTTP_BODY_TOO_LARGE declared');
  });

  it('stops a chunked body once it passes the cap', async () => {
    const a = next();
    const chunk = `10\r\n${'x'.repeat(16)}\r\n`;
    send(`POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${chunk}${chunk}`, false);
    expect(await a).toBe('HTTP_BODY_TOO_LARGE');
  });

  it('settles when the client goes away mid-body', async () => {
    const a = next();
    send('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc', false);
    expect(await a).toBe('HTTP_BODY_INCOMPLETE');
  });
});

describe('listen addresses with IPv6 brackets', () => {
  it('the metrics server listens on [::1]:0 and names itself with brackets', async () => {
    const h = await startHealthServer('[::1]:0', new PromRegistry(), () => true);
    try {
      expect(h.url).toMatch(/^http:\/\/\[::1\]:\d+$/);
      expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
    } finally {
      await h.close();
    }
  });

  it('the embedded registry listens on [::1]:0 and answers /v2/', async () => {
    const r = await startRegistryServer({ addr: '[::1]:0' });
    try {
      expect(r.url).toMatch(/^http:\/\/\[::1\]:\d+$/);
      expect((await fetch(`${r.url}/v2/`)).status).toBe(200);
    } finally {
      await r.close();
    }
  });

  it('an unbracketed IPv6 address is a coded error, not a listen on the wrong port', async () => {
    await expect(startHealthServer('::1:9090', new PromRegistry(), () => true)).rejects.toMatchObject({
      code: 'INVALID_ADDRESS',
    });
  });
});
