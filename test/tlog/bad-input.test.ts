import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RekorClient } from '../../src/tlog/client/index.ts';
import { startLogServer } from '../../src/tlog/server/index.ts';
import type { RunningLogServer } from '../../src/tlog/server/index.ts';
import { TestSigner, sha, tempDir } from './helpers.ts';

let srv: RunningLogServer;
const signer = new TestSigner();

beforeAll(async () => {
  srv = await startLogServer({
    dbPath: join(tempDir(), 'log.db'),
    addr: '127.0.0.1:0',
    maxBodyBytes: 64 * 1024,
  });
  await new RekorClient(srv.url).createEntry(signer.dsse(sha('seed')).proposed);
});
afterAll(async () => srv?.close());

const post = (path: string, body: string): Promise<Response> =>
  fetch(`${srv.url}${path}`, { method: 'POST', body });

function tampered(): unknown {
  const d = signer.dsse(sha('x')).proposed as { spec: { proposedContent: { envelope: string } } };
  const env = JSON.parse(d.spec.proposedContent.envelope) as { payload: string };
  env.payload = Buffer.from('{"_type":"forged"}').toString('base64');
  d.spec.proposedContent.envelope = JSON.stringify(env);
  return d;
}

const hr = signer.hashedRekord('a');
const cases: [string, () => Promise<Response>, number, RegExp][] = [
  ['malformed JSON', () => post('/api/v1/log/entries', '{"kind":'), 400, /parsing body/],
  [
    'wrong kind',
    () => post('/api/v1/log/entries', JSON.stringify({ apiVersion: '0.0.1', kind: 'rpm', spec: {} })),
    400,
    /unsupported entry kind "rpm"/,
  ],
  [
    'wrong version',
    () => post('/api/v1/log/entries', JSON.stringify({ ...signer.dsse('x').proposed, apiVersion: '9.9.9' })),
    400,
    /version "9.9.9"/,
  ],
  [
    'missing spec fields',
    () =>
      post('/api/v1/log/entries', JSON.stringify({ apiVersion: '0.0.1', kind: 'hashedrekord', spec: {} })),
    400,
    /invalid field data/,
  ],
  [
    'bad dsse signature',
    () => post('/api/v1/log/entries', JSON.stringify(tampered())),
    400,
    /could not verify envelope: accepted signatures do not match threshold/,
  ],
  [
    'bad hashedrekord signature',
    () =>
      post(
        '/api/v1/log/entries',
        JSON.stringify({
          ...hr.proposed,
          spec: {
            ...(hr.proposed as { spec: object }).spec,
            data: { hash: { algorithm: 'sha256', value: sha('b') } },
          },
        }),
      ),
    400,
    /verifying signature: invalid signature when validating ASN.1 encoded signature/,
  ],
  [
    'signature by another key',
    () =>
      post(
        '/api/v1/log/entries',
        JSON.stringify(new TestSigner().dsse('x').proposed).replace(
          /"verifiers":\["[^"]+"\]/,
          `"verifiers":["${Buffer.from(signer.publicKeyPem).toString('base64')}"]`,
        ),
      ),
    400,
    /could not verify envelope/,
  ],
  [
    'garbage public key',
    () =>
      post(
        '/api/v1/log/entries',
        JSON.stringify({
          apiVersion: '0.0.1',
          kind: 'dsse',
          spec: { proposedContent: { envelope: '{}', verifiers: ['bm9wZQ=='] } },
        }),
      ),
    400,
    /envelope|PEM/,
  ],
  ['oversized body', () => post('/api/v1/log/entries', 'x'.repeat(70 * 1024)), 413, /too large/],
  ['bogus UUID', () => fetch(`${srv.url}/api/v1/log/entries/xyz`), 400, /invalid entry ID/],
  [
    'zero tree ID',
    () => fetch(`${srv.url}/api/v1/log/entries/${'0'.repeat(16)}${'a'.repeat(64)}`),
    400,
    /tree ID is zero/,
  ],
  ['unknown UUID', () => fetch(`${srv.url}/api/v1/log/entries/${'a'.repeat(64)}`), 404, /not found/],
  ['negative index', () => fetch(`${srv.url}/api/v1/log/entries?logIndex=-1`), 400, /logIndex/],
  ['non-numeric index', () => fetch(`${srv.url}/api/v1/log/entries?logIndex=abc`), 400, /logIndex/],
  ['index beyond the tree', () => fetch(`${srv.url}/api/v1/log/entries?logIndex=99`), 404, /no entry/],
  [
    'firstSize > lastSize',
    () => fetch(`${srv.url}/api/v1/log/proof?firstSize=2&lastSize=1`),
    400,
    /firstSize\(2\) must be less than or equal to lastSize\(1\)/,
  ],
  [
    'lastSize > tree size',
    () => fetch(`${srv.url}/api/v1/log/proof?firstSize=1&lastSize=50`),
    400,
    /tree size/,
  ],
  ['firstSize zero', () => fetch(`${srv.url}/api/v1/log/proof?firstSize=0&lastSize=1`), 400, /firstSize/],
  [
    'retrieve > 10',
    () =>
      post(
        '/api/v1/log/entries/retrieve',
        JSON.stringify({ logIndexes: Array.from({ length: 11 }, (_, i) => i) }),
      ),
    422,
    /more than max allowed 10/,
  ],
  [
    'retrieve bogus UUID',
    () => post('/api/v1/log/entries/retrieve', JSON.stringify({ entryUUIDs: ['zz'] })),
    400,
    /invalid entry ID/,
  ],
  [
    'search bad hash',
    () => post('/api/v1/index/retrieve', JSON.stringify({ hash: 'sha256:xyz' })),
    400,
    /hash/,
  ],
  ['search empty', () => post('/api/v1/index/retrieve', '{}'), 400, /must name/],
  [
    'unknown tree for publicKey',
    () => fetch(`${srv.url}/api/v1/log/publicKey?treeID=1`),
    400,
    /unknown treeID/,
  ],
  ['unknown path', () => fetch(`${srv.url}/api/v2/log/entries`), 404, /not found/],
];

describe('bad input gets a Rekor-style error and changes nothing', () => {
  it.each(cases)('%s', async (_name, call, status, message) => {
    const before = (await (await fetch(`${srv.url}/api/v1/log`)).json()) as {
      treeSize: number;
      rootHash: string;
    };
    const res = await call();
    expect(res.status).toBe(status);
    const body = (await res.json()) as { code: number; message: string };
    expect(body.code).toBe(status);
    expect(body.message).toMatch(message);
    const after = (await (await fetch(`${srv.url}/api/v1/log`)).json()) as {
      treeSize: number;
      rootHash: string;
    };
    expect(after).toMatchObject({ treeSize: before.treeSize, rootHash: before.rootHash });
    expect(srv.log.checkpoint.size).toBe(1);
  });

  it('the client surfaces the server message and status', async () => {
    const c = new RekorClient(srv.url);
    await expect(c.getEntry('a'.repeat(64))).rejects.toMatchObject({ code: 'TLOG_NOT_FOUND', status: 404 });
    await expect(c.createEntry(JSON.parse(JSON.stringify(tampered())) as never)).rejects.toThrow(
      /400 error processing entry: could not verify envelope/,
    );
  });

  it('rejects a tampered answer from a lying server', async () => {
    const honest = await new RekorClient(srv.url).getEntryByIndex(0);
    const liar: typeof fetch = async () =>
      new Response(
        JSON.stringify({
          [honest.uuid]: { ...honest, uuid: undefined, integratedTime: honest.integratedTime + 60 },
        }),
        { status: 200 },
      );
    const c = new RekorClient(srv.url, { logPublicKey: srv.publicKeyPem, fetch: liar });
    await expect(c.getEntryByIndex(0)).rejects.toMatchObject({ code: 'TLOG_VERIFY' });
  });
});

describe('verifyLogEntry rejects malformed entries with a coded error', () => {
  it.each([
    ['null', null],
    ['garbage proof hash', { hashes: ['zz'] }],
    ['negative index', { logIndex: -1 }],
  ])('%s', async (_n, patch) => {
    const { verifyLogEntry } = await import('../../src/tlog/client/index.ts');
    const e = await new RekorClient(srv.url).getEntryByIndex(0);
    const p = e.verification!.inclusionProof!;
    const bad =
      patch === null
        ? null
        : 'hashes' in patch
          ? { ...e, verification: { ...e.verification, inclusionProof: { ...p, hashes: patch.hashes } } }
          : { ...e, ...patch };
    expect(() => verifyLogEntry(bad as never, srv.publicKeyPem)).toThrow(
      expect.objectContaining({ code: 'TLOG_VERIFY' }),
    );
  });
});

describe('a streamed body over the cap', () => {
  it('gets 413 and the connection is closed without reading the rest', async () => {
    const u = new URL(srv.url);
    const sock = connect(Number(u.port), u.hostname);
    let answer = '';
    sock.on('data', (d: Buffer) => (answer += d.toString('latin1')));
    const closed = new Promise<void>((r) => sock.once('close', () => r()));
    sock.on('error', () => undefined); // writes after the close may fail
    await new Promise<void>((r) => sock.once('connect', () => r()));
    sock.write('POST /api/v1/log/entries HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n');
    const chunk = `4000\r\n${'x'.repeat(0x4000)}\r\n`;
    let sent = 0;
    while (!sock.destroyed && answer === '' && sent < 4096) {
      sock.write(chunk); // up to 64 MiB: far more than the cap; the server stops reading at 64 KiB
      sent++;
      await new Promise((r) => setImmediate(r));
    }
    await closed;
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer).toMatch(/connection: close/i);
    expect(sent).toBeLessThan(4096);
  });
});
