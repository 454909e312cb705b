import fc from 'fast-check';
import { Http1Error, MAX_HEAD, ResponseReader, type Http1Response } from '../../src/core/http1/index.ts';
import { mutatedText } from './mutate.ts';
import type { Target } from './targets.ts';

const MAX_BYTES = 4096;
/** what a reader may hold: a head, a body, a partial chunk-size line */
const BOUND = MAX_HEAD + 4 + MAX_BYTES + 8192;

/** Responses as registries and logs send them: the seeds the mutations start from. */
const SEEDS = [
  'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n{"a":[1,2,3]}',
  'HTTP/1.1 201 Created\r\nLocation: /v2/a/blobs/uploads/x\r\nDocker-Upload-UUID: x\r\nContent-Length: 0\r\n\r\n',
  'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nDigest: x\r\n\r\n',
  'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\nok',
  'HTTP/1.0 200 OK\r\nConnection: close\r\n\r\nuntil the end',
  'HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer realm="r"\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Length: 3, 3\r\n\r\nno!',
  'HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 304 Not Modified\r\n\r\n',
];

type Outcome = Http1Response | Http1Error | undefined;

/** Feed `raw` in pieces of `sizes` (cycled) and end; a thrown plain Error is an invariant broken. */
function feed(raw: Buffer, sizes: number[]): Outcome {
  const r = new ResponseReader('GET', MAX_BYTES);
  for (let at = 0, i = 0; at < raw.length; i++) {
    const n = sizes[i % sizes.length] ?? 1;
    const out = r.push(raw.subarray(at, at + n));
    at += n;
    if (r.held > BOUND) throw new Error(`reader holds ${r.held} bytes (bound ${BOUND})`);
    if (out) return check(out);
  }
  return check(r.end());
}

function check(out: Outcome): Outcome {
  if (out instanceof Http1Error || out === undefined) return out;
  if (out.body.length > MAX_BYTES) throw new Error(`body of ${out.body.length} bytes over maxBytes`);
  if (out.status < 200 || out.status > 999) throw new Error(`final status ${out.status}`);
  return out;
}

const same = (a: Outcome, b: Outcome): boolean =>
  a instanceof Http1Error || b instanceof Http1Error
    ? a instanceof Http1Error && b instanceof Http1Error && a.kind === b.kind
    : a?.status === b?.status && Buffer.compare(a?.body ?? Buffer.alloc(0), b?.body ?? Buffer.alloc(0)) === 0;

/** The shared HTTP/1.1 response reader (core/http1): untrusted bytes from any server the clients talk to. */
export function http1Targets(): Target[] {
  return [
    {
      name: 'HTTP/1.1 response reader (whole and split bytes)',
      full: 100_000,
      budgetMs: 250,
      arb: fc.oneof(
        { weight: 4, arbitrary: mutatedText(SEEDS) },
        {
          weight: 1,
          arbitrary: fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b).toString('latin1')),
        },
      ),
      run: (x) => {
        const raw = Buffer.from(x, 'latin1');
        const h = x.length * 31 + (raw[0] ?? 0) * 7 + (raw[raw.length >> 1] ?? 0);
        const whole = feed(raw, [raw.length || 1]);
        const split = feed(raw, [1 + (h % 5), 1 + ((h >> 3) % 40), 1 + ((h >> 9) % 300)]);
        if (!same(whole, split)) throw new Error('split input read differently from the whole');
        return whole;
      },
    },
  ];
}
