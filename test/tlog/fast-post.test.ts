import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLogServer } from '../../src/tlog/server/index.ts';
import type { RunningLogServer } from '../../src/tlog/server/index.ts';
import { TestSigner, sha, tempDir } from './helpers.ts';

/**
 * The append fast path (src/tlog/server/fast-post.ts) over raw sockets: what it serves itself, and that every
 * other request, in any order on the same connection, still gets node:http's answer. node:http adds a
 * `Keep-Alive` header to keep-alive answers and the fast path does not, which tells the two apart.
 */
const signer = new TestSigner();
let srv: RunningLogServer;
let port = 0;
let n = 0;

beforeAll(async () => {
  srv = await startLogServer({
    dbPath: join(tempDir('tlog-fast-'), 'log.db'),
    addr: '127.0.0.1:0',
    maxBodyBytes: 64 * 1024,
  });
  port = Number(new URL(srv.url).port);
});
afterAll(async () => srv.close());

const proposal = (): string => JSON.stringify(signer.dsse(sha(`fast-${n++}`)).proposed);
const post = (body: string, extra = ''): string =>
  `POST /api/v1/log/entries HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${extra}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
const GET_LOG = 'GET /api/v1/log HTTP/1.1\r\nHost: x\r\n\r\n';

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Parse every complete Content-Length answer in `raw`. */
function answers(raw: Buffer): Answer[] {
  const out: Answer[] = [];
  let rest = raw;
  for (;;) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) return out;
    const [line, ...lines] = rest.toString('latin1', 0, end).split('\r\n');
    const headers = Object.fromEntries(
      lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
    );
    const len = Number(headers['content-length'] ?? 0);
    if (rest.length < end + 4 + len) return out;
    out.push({
      status: Number(line?.split(' ')[1]),
      headers,
      body: rest.toString('utf8', end + 4, end + 4 + len),
    });
    rest = rest.subarray(end + 4 + len);
  }
}

/** Write `parts` on one connection (a pause between parts), until `count` answers arrived or it closed. */
async function exchange(
  parts: string[],
  count: number,
  pauseMs = 30,
): Promise<{ got: Answer[]; closed: boolean }> {
  const sock: Socket = connect(port, '127.0.0.1');
  let raw = Buffer.alloc(0);
  let closed = false;
  const done = new Promise<void>((resolve) => {
    sock.on('data', (d: Buffer) => {
      raw = Buffer.concat([raw, d]);
      if (answers(raw).length >= count) resolve();
    });
    sock.on('close', () => ((closed = true), resolve()));
    sock.on('error', () => resolve());
  });
  await new Promise<void>((r) => sock.once('connect', () => r()));
  for (const [i, p] of parts.entries()) {
    if (i > 0) await new Promise((r) => setTimeout(r, pauseMs));
    sock.write(p);
  }
  await done;
  await new Promise((r) => setTimeout(r, 20));
  sock.destroy();
  return { got: answers(raw), closed };
}

const fast = (a: Answer | undefined): boolean => a !== undefined && a.headers['keep-alive'] === undefined;

describe('tlog append fast path', () => {
  it('serves plain appends itself, pipelined ones in order, with the same answer as node:http', async () => {
    const bodies = [proposal(), proposal()];
    const { got } = await exchange([post(bodies[0]!) + post(bodies[1]!)], 2);
    expect(got.map((a) => a.status)).toEqual([201, 201]);
    expect(got.every(fast)).toBe(true);
    for (const a of got) {
      const [id] = Object.keys(JSON.parse(a.body) as object);
      expect(a.headers.etag).toBe(id);
      expect(a.headers.location).toBe(`/api/v1/log/entries/${id}`);
      expect(a.headers['content-type']).toBe('application/json');
      expect(a.headers.date).toMatch(/GMT$/);
    }
    const indexes = got.map(
      (a) => (Object.values(JSON.parse(a.body) as object)[0] as { logIndex: number }).logIndex,
    );
    expect(indexes[1]).toBe((indexes[0] as number) + 1);
    // the same proposal again: 409 with the entry's Location, from the fast path too
    const again = await exchange([post(bodies[0]!)], 1);
    expect(again.got[0]?.status).toBe(409);
    expect(fast(again.got[0])).toBe(true);
    expect(again.got[0]?.headers.location).toBe(got[0]?.headers.location);
    expect(JSON.parse(again.got[0]!.body)).toMatchObject({ code: 409 });
  });

  it('answers bad entries with Rekor-style errors', async () => {
    const { got } = await exchange(
      [post('{nope') + post('{"kind":"dsse","apiVersion":"9.9.9","spec":{}}')],
      2,
    );
    expect(got.map((a) => [a.status, fast(a), (JSON.parse(a.body) as { code: number }).code])).toEqual([
      [400, true, 400],
      [400, true, 400],
    ]);
  });

  it.each([
    ['another route first', [GET_LOG + post(proposal())], [200, 201]],
    [
      'an append, then another route, then an append',
      [post(proposal()) + GET_LOG + post(proposal())],
      [201, 200, 201],
    ],
    ['a head split across packets', [post(proposal()).slice(0, 20), post(proposal()).slice(20)], [201]],
    [
      'chunked body',
      [`POST /api/v1/log/entries HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n`],
      [201],
    ],
    ['Expect: 100-continue', [post(proposal(), 'Expect: 100-continue\r\n')], [100, 201]],
    ['Connection: close', [post(proposal(), 'Connection: close\r\n')], [201]],
    ['a trailing slash', [post(proposal()).replace('entries HTTP', 'entries/ HTTP')], [201]],
    ['HTTP/1.0', [post(proposal()).replace('HTTP/1.1', 'HTTP/1.0')], [201]],
    ['over the body cap', [post('x'.repeat(70 * 1024))], [413]],
    ['two Content-Length headers', [post('{}', 'Content-Length: 2\r\n')], [400]],
    ['a space before a colon', [post('{}').replace('Content-Length:', 'Content-Length :')], [400]],
    ['a bare LF inside the head', [post('{}', 'X-A: 1\nX-B: 2\r\n')], [400]],
    ['a control byte in a value', [post(proposal(), 'X-A: a\u0001b\r\n')], [400]],
  ])('hands %s to node:http', async (name, parts, statuses) => {
    if (name === 'chunked body') {
      const body = proposal();
      parts = [`${parts[0]}${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`];
    }
    const { got } = await exchange(parts, statuses.length);
    expect(got.map((a) => a.status)).toEqual(statuses);
    // node:http marks its answers with Keep-Alive or Connection: close; the fast path sends neither
    expect(got.some((a) => !fast(a) || a.headers.connection === 'close')).toBe(true);
  });

  it('answers 60 pipelined appends sent in one write (more than it buffers before pausing), in order', async () => {
    const bodies = Array.from({ length: 60 }, () => proposal());
    const { got } = await exchange([bodies.map((b) => post(b)).join('')], 60);
    expect(got).toHaveLength(60);
    expect(got.every((a) => a.status === 201 && fast(a))).toBe(true);
    const indexes = got.map(
      (a) => (Object.values(JSON.parse(a.body) as object)[0] as { logIndex: number }).logIndex,
    );
    expect(indexes).toEqual([...indexes].sort((x, y) => x - y));
  });

  it('waits for a body split across packets, and a client leaving mid-body breaks nothing', async () => {
    const whole = post(proposal());
    const { got } = await exchange([whole.slice(0, whole.length - 40), whole.slice(-40)], 1);
    expect(got.map((a) => [a.status, fast(a)])).toEqual([[201, true]]);
    const cut = connect(port, '127.0.0.1');
    await new Promise<void>((r) => cut.once('connect', () => r()));
    cut.write(whole.slice(0, whole.length - 10));
    cut.destroy();
    const after = await exchange([post(proposal())], 1);
    expect(after.got[0]?.status).toBe(201);
  });
});
