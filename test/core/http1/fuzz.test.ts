import { createServer, type AddressInfo, type Socket } from 'node:net';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { Http1Client } from '../../../src/core/http1/client.ts';
import { Http1Error } from '../../../src/core/http1/errors.ts';
import { MAX_HEAD, ResponseReader, type Http1Response } from '../../../src/core/http1/reader.ts';

/** Untrusted responses: arbitrary or HTTP-shaped bytes in arbitrary pieces (RFC 9112 framing under attack). */

const MAX_BYTES = 2048;
/** the most a reader may hold: a head, a body, a partial chunk-size line (8 KiB) */
const BOUND = MAX_HEAD + 4 + MAX_BYTES + 8192;

const TOKENS = [
  'HTTP/1.1 ',
  'HTTP/1.0 ',
  '200 OK',
  '100 Continue',
  '103 Early Hints',
  '204 ',
  '304 ',
  '101 ',
  '\r\n',
  '\r\n\r\n',
  ':',
  ' ',
  'Content-Length: ',
  'Content-Length: 5, 5',
  'Transfer-Encoding: chunked',
  'Transfer-Encoding: gzip',
  'Connection: close',
  'Connection: keep-alive',
  '0',
  '5',
  'ffffffffffff',
  '-1',
  ';ext=1',
  '0\r\n\r\n',
  '\n',
  '\0',
  '__proto__: x',
];

/** HTTP-shaped text as bytes: tokens mixed with arbitrary bytes */
const shaped = fc
  .array(
    fc.oneof(
      fc.constantFrom(...TOKENS),
      fc.uint8Array({ maxLength: 12 }).map((b) => Buffer.from(b).toString('latin1')),
    ),
    { maxLength: 60 },
  )
  .map((parts) => Buffer.from(parts.join(''), 'latin1'));
const stream = fc.oneof(
  shaped,
  fc.uint8Array({ maxLength: 600 }).map((b) => Buffer.from(b)),
);
const pieces = fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 16 });

/** Feed `raw` cut into `sizes` (cycled); checks the invariants at every step; the outcome. */
function feed(
  raw: Buffer,
  sizes: number[],
  method: string,
  ended: boolean,
): Http1Response | Http1Error | undefined {
  const r = new ResponseReader(method, MAX_BYTES);
  for (let at = 0, i = 0; at < raw.length; i++) {
    const n = sizes[i % sizes.length] ?? 1;
    const out = r.push(raw.subarray(at, at + n));
    at += n;
    expect(r.held).toBeLessThanOrEqual(BOUND);
    if (out) return out;
  }
  return ended ? r.end() : undefined;
}

const outcome = (out: Http1Response | Http1Error | undefined): void => {
  if (out === undefined || out instanceof Http1Error) return;
  expect(out.body.length).toBeLessThanOrEqual(MAX_BYTES);
  expect(out.status).toBeGreaterThanOrEqual(200);
};

describe('response reader under arbitrary input (property)', () => {
  it('never throws, holds a bounded amount, answers only typed values', () => {
    fc.assert(
      fc.property(
        stream,
        pieces,
        fc.constantFrom('GET', 'HEAD', 'PUT'),
        fc.boolean(),
        (raw, sizes, m, ended) => outcome(feed(raw, sizes, m, ended)),
      ),
      { numRuns: 3000 },
    );
  });

  it('the same outcome whatever the pieces (whole vs split)', () => {
    fc.assert(
      fc.property(shaped, pieces, (raw, sizes) => {
        const whole = feed(raw, [raw.length || 1], 'GET', true);
        const split = feed(raw, sizes, 'GET', true);
        if (whole instanceof Http1Error) expect((split as Http1Error).kind).toBe(whole.kind);
        else expect(split).toEqual(whole);
      }),
      { numRuns: 2000 },
    );
  });

  it('an endless head or 1xx stream trickled byte by byte stays bounded and is refused', () => {
    const r = new ResponseReader('GET', MAX_BYTES);
    const line = Buffer.from('X-Pad: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n');
    let out = r.push(Buffer.from('HTTP/1.1 200 OK\r\n'));
    for (let i = 0; !out && i < 2 * MAX_HEAD; i++)
      out = r.push(line.subarray(i % line.length, (i % line.length) + 1));
    expect(out).toMatchObject({ kind: 'head-too-large' });
    const interim = new ResponseReader('GET', MAX_BYTES);
    const hundred = Buffer.from('HTTP/1.1 100 Continue\r\n\r\n'.repeat(5000));
    expect(interim.push(hundred)).toBeUndefined();
    expect(interim.held).toBe(0);
    const size = new ResponseReader('GET', MAX_BYTES);
    out = size.push(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'));
    for (let i = 0; !out && i < 4 * MAX_HEAD; i++) {
      out = size.push(Buffer.from('0'));
      expect(size.held).toBeLessThanOrEqual(BOUND);
    }
    expect(out).toMatchObject({ kind: 'malformed' });
  });
});

/** A valid response: status, framing, body; its bytes and what the reader must give back. */
const valid = fc.record({
  body: fc.uint8Array({ maxLength: MAX_BYTES }).map((b) => Buffer.from(b)),
  framing: fc.constantFrom('length', 'chunked', 'close'),
  chunk: fc.integer({ min: 1, max: 700 }),
  ext: fc.boolean(),
  trailer: fc.boolean(),
  interim: fc.boolean(),
  v10: fc.boolean(),
  status: fc.constantFrom(200, 201, 202, 307, 401, 404, 500),
});

type Valid = typeof valid extends fc.Arbitrary<infer T> ? T : never;

function encode(v: Valid): Buffer {
  const head = [`HTTP/1.${v.v10 && v.framing === 'close' ? 0 : 1} ${v.status} Reason`, 'Server: x'];
  const parts: Buffer[] = [];
  if (v.framing === 'length') head.push(`Content-Length: ${v.body.length}`);
  if (v.framing === 'chunked') {
    head.push('Transfer-Encoding: chunked');
    for (let at = 0; at < v.body.length; at += v.chunk) {
      const c = v.body.subarray(at, at + v.chunk);
      parts.push(Buffer.from(`${c.length.toString(16)}${v.ext ? ';a=b' : ''}\r\n`), c, Buffer.from('\r\n'));
    }
    parts.push(Buffer.from(`0\r\n${v.trailer ? 'Digest: x\r\n' : ''}\r\n`));
  } else parts.push(v.body);
  const pre = v.interim ? 'HTTP/1.1 103 Early Hints\r\nLink: </s>\r\n\r\n' : '';
  return Buffer.concat([Buffer.from(`${pre}${head.join('\r\n')}\r\n\r\n`, 'latin1'), ...parts]);
}

describe('response reader on valid framings (property)', () => {
  it('gives the exact body in any pieces; reusable unless framed by close', () => {
    fc.assert(
      fc.property(valid, pieces, (v, sizes) => {
        const r = new ResponseReader('GET', MAX_BYTES);
        const raw = encode(v);
        let out: Http1Response | Http1Error | undefined;
        for (let at = 0, i = 0; at < raw.length && !out; i++) {
          const n = sizes[i % sizes.length] ?? 1;
          out = r.push(raw.subarray(at, at + n));
          at += n;
        }
        out ??= v.framing === 'close' ? r.end() : undefined;
        expect(out).toMatchObject({ status: v.status, statusText: 'Reason' });
        expect((out as Http1Response).body.equals(v.body)).toBe(true);
        expect(r.reusable).toBe(v.framing !== 'close');
      }),
      { numRuns: 1500 },
    );
  });
});

describe('client against a server sending arbitrary bytes (property)', () => {
  const sockets = new Set<Socket>();
  let script: Buffer[] = [];
  const server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    s.once('data', () => {
      for (const p of script) s.write(p);
      s.end();
    });
  });
  afterAll(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });

  it('every request settles with an answer, an Http1Error or a socket error', async () => {
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/x`);
    const client = new Http1Client({ maxSockets: 2, timeoutMs: 2000 });
    await fc.assert(
      fc.asyncProperty(stream, pieces, async (raw, sizes) => {
        script = [];
        for (let at = 0, i = 0; at < raw.length; i++) {
          const n = sizes[i % sizes.length] ?? 1;
          script.push(raw.subarray(at, at + n));
          at += n;
        }
        const got = await client.request({ method: 'GET', url, headers: {}, maxBytes: MAX_BYTES }).then(
          (r) => r,
          (e: unknown) => e,
        );
        if (got instanceof Error) expect(got instanceof Http1Error || 'code' in got).toBe(true);
        else outcome(got as Http1Response);
      }),
      { numRuns: 60 },
    );
  });
});
