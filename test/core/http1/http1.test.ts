import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChunkDecoder } from '../../../src/core/http1/chunked.ts';
import { Http1Error, TooLarge } from '../../../src/core/http1/errors.ts';
import { parseHead, requestHead } from '../../../src/core/http1/head.ts';
import { ResponseReader, type Http1Response } from '../../../src/core/http1/reader.ts';

/** Feed `text` in pieces of `step` bytes (whole when 0); `ended`: the server then closes the connection. */
export function read(
  text: string | Buffer,
  o: { method?: string; maxBytes?: number; step?: number; ended?: boolean } = {},
): Http1Response | Http1Error | 'incomplete' {
  const raw = typeof text === 'string' ? Buffer.from(text, 'latin1') : text;
  const r = new ResponseReader(o.method ?? 'GET', o.maxBytes ?? 1 << 20);
  const step = o.step || raw.length || 1;
  for (let at = 0; at < raw.length; at += step) {
    const out = r.push(raw.subarray(at, at + step));
    if (out) return out;
  }
  return o.ended ? r.end() : 'incomplete';
}

describe('response head', () => {
  it('joins repeated fields like node, keeps set-cookie as a list, detects close', () => {
    const h = parseHead(
      'HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer realm="a"\r\nwww-authenticate: Basic realm="b"\r\n' +
        'Set-Cookie: a=1\r\nSet-Cookie: b=2\r\nConnection: close\r\nContent-Length: 3, 3',
    );
    expect(h).toEqual({
      status: 401,
      statusText: 'Unauthorized',
      headers: {
        'www-authenticate': 'Bearer realm="a", Basic realm="b"',
        'set-cookie': ['a=1', 'b=2'],
        connection: 'close',
        'content-length': '3, 3',
      },
      contentLength: 3,
      close: true,
    });
  });

  it.each([
    ['not HTTP', 'SSH-2.0-OpenSSH'],
    ['HTTP/2 status line', 'HTTP/2 200'],
    ['conflicting lengths', 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4'],
    ['negative length', 'HTTP/1.1 200 OK\r\nContent-Length: -1'],
    ['bad field name', 'HTTP/1.1 200 OK\r\nBad Name: x'],
    ['space before the colon', 'HTTP/1.1 200 OK\r\nName : x'],
    ['no colon', 'HTTP/1.1 200 OK\r\nnocolon'],
  ])('refuses a malformed head: %s', (_, text) => {
    expect(parseHead(text)).toBeUndefined();
  });

  it('keep-alive: HTTP/1.1 unless close, HTTP/1.0 only when asked', () => {
    const close = (t: string) => parseHead(t)?.close;
    expect(close('HTTP/1.1 200 OK')).toBe(false);
    expect(close('HTTP/1.1 200 OK\r\nConnection: close')).toBe(true);
    expect(close('HTTP/1.0 200 OK')).toBe(true);
    expect(close('HTTP/1.0 200 OK\r\nConnection: keep-alive')).toBe(false);
  });

  it('request heads refuse CR/LF in values, non-token names and methods', () => {
    const u = new URL('http://h:1/p?q=1');
    expect(requestHead('PUT', u, { a: 'b' }, 2)).toEqual({
      text: 'PUT /p?q=1 HTTP/1.1\r\nhost: h:1\r\na: b\r\ncontent-length: 2\r\n\r\n',
      obsText: false,
    });
    expect(requestHead('GET', u, { a: 'caf\xe9' }, undefined).obsText).toBe(true);
    expect(() => requestHead('GET', u, {}, undefined, '/a b')).toThrow(/invalid request target/);
    expect(() => requestHead('GET', u, { a: 'x\r\nInjected: 1' }, undefined)).toThrow(/invalid HTTP header/);
    expect(() => requestHead('GET', u, { 'a b': 'x' }, undefined)).toThrow(/invalid HTTP header/);
    expect(() => requestHead('GET /x HTTP/1.1\r\n', u, {}, undefined)).toThrow(/invalid HTTP method/);
  });
});

describe('response framing', () => {
  it.each([
    ['content-length', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi', false, 'hi', true],
    [
      'chunked with extension and trailer',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;x=y\r\nhi\r\n1\r\n!\r\n0\r\nT: v\r\n\r\n',
      false,
      'hi!',
      true,
    ],
    ['no length, ended', 'HTTP/1.1 200 OK\r\n\r\nrest', true, 'rest', false],
    [
      'HTTP/1.0 framed by close',
      'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil close',
      true,
      'until close',
      false,
    ],
    ['204 has no body', 'HTTP/1.1 204 No Content\r\n\r\n', false, '', true],
    ['empty 201', 'HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n', false, '', true],
    [
      'after 100 Continue',
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
      false,
      'ok',
      true,
    ],
    [
      'after 103 Early Hints',
      'HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
      false,
      'ok',
      true,
    ],
    [
      'bytes after the body: not reused',
      'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA',
      false,
      'ok',
      false,
    ],
    [
      'chunked with a Content-Length too: chunked wins, not reused',
      'HTTP/1.1 200 OK\r\nContent-Length: 9\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n',
      false,
      'hi',
      false,
    ],
  ])('%s (whole and byte by byte)', (_n, text, ended, body, reusable) => {
    for (const step of [0, 1]) {
      const r = new ResponseReader('GET', 1 << 20);
      const raw = Buffer.from(text, 'latin1');
      let out: ReturnType<ResponseReader['push']>;
      for (let at = 0; at < raw.length && !out; at += step || raw.length)
        out = r.push(raw.subarray(at, at + (step || raw.length)));
      if (!out && ended) out = r.end();
      if (!out || out instanceof Error) throw new Error(String(out));
      expect(out.body.toString('latin1')).toBe(body);
      // byte by byte, extra bytes arrive after the answer is complete (the connection drops them then)
      expect(r.reusable).toBe(step === 1 && text.endsWith('EXTRA') ? true : reusable);
    }
  });

  it('HEAD answers carry no body even with a Content-Length', () => {
    const r = read('HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n', { method: 'HEAD' });
    expect(r).toMatchObject({ status: 200, body: Buffer.alloc(0), headers: { 'content-length': '1234' } });
  });

  it.each([
    ['partial head', 'HTTP/1.1 200 OK\r\nContent-Le', false, 'incomplete'],
    ['only an interim answer so far', 'HTTP/1.1 100 Continue\r\n\r\n', false, 'incomplete'],
    ['partial body', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhi', false, 'incomplete'],
    ['partial chunk', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhi', false, 'incomplete'],
    ['closed inside the body', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhi', true, 'closed'],
    [
      'closed inside a chunked body',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhi',
      true,
      'closed',
    ],
    ['closed inside the head', 'HTTP/1.1 200 OK\r\nContent-Le', true, 'closed'],
    ['closed before any answer', '', true, 'closed'],
    ['bad status line', 'HTTP/2 200\r\n\r\n', false, 'malformed'],
    ['status under 100', 'HTTP/1.1 099 Huh\r\n\r\n', false, 'malformed'],
    ['unasked 101', 'HTTP/1.1 101 Switching Protocols\r\n\r\n', false, 'malformed'],
    ['bad header', 'HTTP/1.1 200 OK\r\nnocolon\r\n\r\n', false, 'malformed'],
    ['bad length', 'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n', false, 'malformed'],
    ['bad chunk size', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', false, 'malformed'],
    [
      'missing CRLF after chunk data',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabXY',
      false,
      'malformed',
    ],
    ['gzip coding', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n', false, 'malformed'],
    ['head without end', `HTTP/1.1 200 OK\r\nX: ${'a'.repeat(70_000)}`, false, 'head-too-large'],
    ['declared 2xx body over maxBytes', 'HTTP/1.1 200 OK\r\nContent-Length: 999\r\n\r\n', false, 'too-large'],
    [
      'chunked body over maxBytes',
      `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n400\r\n${'a'.repeat(200)}`,
      false,
      'too-large',
    ],
    ['close-delimited body over maxBytes', `HTTP/1.1 200 OK\r\n\r\n${'a'.repeat(200)}`, false, 'too-large'],
  ])('%s', (_n, text, ended, want) => {
    for (const step of [0, 1]) {
      const r = read(text, { step, ended, maxBytes: 100 });
      if (want === 'incomplete') expect(r).toBe('incomplete');
      else expect(r instanceof Http1Error ? r.kind : r).toBe(want);
    }
  });

  it('TooLarge names the declared size', () => {
    expect(read('HTTP/1.1 200 OK\r\nContent-Length: 999\r\n\r\n', { maxBytes: 10 })).toEqual(
      new TooLarge(999),
    );
  });
});

describe('chunked decoder', () => {
  it('decodes chunked bodies split at every byte', () => {
    const raw = Buffer.from('5\r\nhello\r\n6;ext\r\n world\r\n0\r\n\r\nEXTRA');
    const d = new ChunkDecoder();
    const out: Buffer[] = [];
    let last: ReturnType<ChunkDecoder['push']>;
    for (let i = 0; i < raw.length; i++) {
      last = d.push(raw.subarray(i, i + 1));
      expect(last).toBeDefined();
      out.push(last!.data);
      if (last!.done) break;
    }
    expect(Buffer.concat(out).toString()).toBe('hello world');
    expect(last!.done).toBe(true);
  });

  it('decodes any chunking of any body fed in any pieces (property)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 20 }),
        fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 20 }),
        (body, chunkSizes, pieceSizes) => {
          const parts: Buffer[] = [];
          for (let off = 0, i = 0; off < body.length; i++) {
            const n = Math.min(chunkSizes[i % chunkSizes.length] ?? 1, body.length - off);
            parts.push(
              Buffer.from(`${n.toString(16)}\r\n`),
              Buffer.from(body.subarray(off, off + n)),
              Buffer.from('\r\n'),
            );
            off += n;
          }
          const raw = Buffer.concat([...parts, Buffer.from('0\r\n\r\n')]);
          const d = new ChunkDecoder();
          const out: Buffer[] = [];
          let done = false;
          for (let off = 0, i = 0; off < raw.length && !done; i++) {
            const n = pieceSizes[i % pieceSizes.length] ?? 1;
            const r = d.push(raw.subarray(off, off + n));
            if (!r) return false;
            out.push(r.data);
            done = r.done;
            off += n;
          }
          return done && Buffer.concat(out).equals(Buffer.from(body));
        },
      ),
    );
  });

  it.each([
    ['bad size', 'zz\r\n'],
    ['missing CRLF after data', '2\r\nabXY'],
    ['a size line that never ends', '1'.repeat(9000)],
    ['endless trailers', `0\r\n${'T: v\r\n'.repeat(12_000)}`],
  ])('refuses malformed chunked data: %s', (_, text) => {
    expect(new ChunkDecoder().push(Buffer.from(text))).toBeUndefined();
  });
});

describe('client process lifetime', () => {
  it('a request in flight keeps the process alive; idle sockets do not', async () => {
    const { createServer } = await import('node:net');
    const { spawn } = await import('node:child_process');
    // answers 300 ms late, then keeps the connection open (idle in the child's pool)
    const server = createServer((s) =>
      s.once('data', () =>
        setTimeout(() => s.write('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nlate'), 300),
      ),
    );
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const port = (server.address() as { port: number }).port;
    const client = new URL('../../../src/core/http1/client.ts', import.meta.url).pathname;
    const code = `import { Http1Client } from ${JSON.stringify(client)};
      const c = new Http1Client({ maxSockets: 1, timeoutMs: 30000 });
      c.request({ method: 'GET', url: new URL('http://127.0.0.1:${port}/'), headers: {}, maxBytes: 10 })
        .then((r) => console.log(r.body.toString()));`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exit = await new Promise<number | null>((ok) => child.on('exit', ok));
    server.close();
    expect([exit, out.trim()]).toEqual([0, 'late']);
  });
});
