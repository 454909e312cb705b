import { connect } from 'node:net';
import { mutatedText } from './mutate.ts';
import type { Seeds } from './seeds.ts';
import type { Target } from './targets.ts';

/**
 * Raw request bytes to the log server, where the append fast path (src/tlog/server/fast-post.ts) reads them
 * before node:http does: plain appends, pipelined ones, appends followed by other requests, chunked, Expect,
 * mutated heads. Any answer must be a well-formed status line below 500, and the server must keep serving.
 */
export function fastPostTargets(s: Seeds, logUrl: string): Target[] {
  const u = new URL(logUrl);
  const append = (body: string, extra = ''): string =>
    `POST /api/v1/log/entries HTTP/1.1\r\nHost: ${u.host}\r\nContent-Type: application/json\r\n${extra}` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  const body = JSON.stringify(s.proposals[0]);
  const seeds = [
    append(body),
    append(body) + append(JSON.stringify(s.proposals[1] ?? s.proposals[0])),
    append(body) + `GET /api/v1/log HTTP/1.1\r\nHost: ${u.host}\r\n\r\n`,
    append(body, 'Connection: keep-alive\r\n'),
    append(body, 'Expect: 100-continue\r\n'),
    `POST /api/v1/log/entries HTTP/1.1\r\nHost: ${u.host}\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n`,
  ];
  /** Send the bytes, half-close, collect what comes back for up to 300 ms. */
  const exchange = (bytes: Buffer): Promise<Buffer> =>
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      const sock = connect(Number(u.port), u.hostname, () => sock.end(bytes));
      const done = (): void => {
        clearTimeout(timer);
        sock.destroy();
        resolve(Buffer.concat(chunks));
      };
      const timer = setTimeout(done, 300);
      sock.on('data', (d: Buffer) => chunks.push(d));
      sock.on('close', done);
      sock.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' ? done() : reject(e)));
    });
  const alive = async (): Promise<void> => {
    const r = await fetch(`${logUrl}/api/v1/log`, { signal: AbortSignal.timeout(5_000) });
    await r.arrayBuffer();
    if (r.status !== 200) throw new Error(`log server answers GET /api/v1/log with ${r.status}`);
  };
  return [
    {
      name: 'log server raw requests (append fast path, hand-off to node:http)',
      full: 4_000,
      budgetMs: 2_000,
      heavy: true,
      arb: mutatedText(seeds),
      run: async (x) => {
        const got = (await exchange(Buffer.from(x, 'latin1'))).toString('latin1');
        for (const m of got.matchAll(/HTTP\/1\.1 (\d{3})[^\r\n]*\r\n/g))
          if (Number(m[1]) >= 500) throw new Error(`HTTP ${m[1]} for raw request bytes`);
        if (got.length > 0 && !got.startsWith('HTTP/1.1 '))
          throw new Error(`not an HTTP answer: ${got.slice(0, 40)}`);
        await alive();
      },
    },
  ];
}
