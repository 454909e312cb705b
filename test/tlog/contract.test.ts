import { createPublicKey } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashLeaf, rootFromLeafHashes } from '../../src/core/merkle.ts';
import { verifyCheckpoint } from '../../src/core/checkpoint.ts';
import { RekorClient, checkLogInfo, toCosignBundle, verifyLogEntry } from '../../src/tlog/client/index.ts';
import type { TlogEntry } from '../../src/tlog/client/index.ts';
import { startLogServer } from '../../src/tlog/server/index.ts';
import type { RunningLogServer } from '../../src/tlog/server/index.ts';
import { verifyRekorBundle } from '../../src/verify/tlog.ts';
import { TestSigner, sha, tempDir } from './helpers.ts';

const dir = tempDir();
const db = join(dir, 'log.db');
let srv: RunningLogServer;
let client: RekorClient;
const signer = new TestSigner();
const other = new TestSigner();

beforeAll(async () => {
  srv = await startLogServer({ dbPath: db, addr: '127.0.0.1:0' });
  client = new RekorClient(srv.url, { logPublicKey: srv.publicKeyPem });
});
afterAll(async () => srv?.close());

describe('our client against our server over HTTP', () => {
  const image = sha('image');
  let dsse: TlogEntry & { created: boolean };
  let hr: TlogEntry & { created: boolean };

  it('serves the log key it signs with (logID = sha256 of SPKI)', async () => {
    const pem = await client.publicKey();
    expect(createPublicKey(pem).export({ type: 'spki', format: 'der' })).toEqual(
      createPublicKey(srv.publicKeyPem).export({ type: 'spki', format: 'der' }),
    );
  });

  it('creates dsse, hashedrekord and intoto 0.0.1/0.0.2 entries, each verified', async () => {
    const d = signer.dsse(image);
    dsse = await client.createEntry(d.proposed);
    expect(dsse.created).toBe(true);
    expect(dsse.uuid).toMatch(/^[0-9a-f]{80}$/);
    const h = signer.hashedRekord('artifact bytes');
    hr = await client.createEntry(h.proposed);
    const i1 = await client.createEntry(signer.intoto(sha('other-image'), '0.0.1').proposed);
    const i2 = await client.createEntry(signer.intoto(sha('third-image'), '0.0.2').proposed);
    expect([dsse, hr, i1, i2].map((e) => e.logIndex)).toEqual([0, 1, 2, 3]);
    expect(i1.attestation?.data).toBeTruthy();
    expect(dsse.attestation).toBeUndefined();
    for (const e of [dsse, hr, i1, i2]) verifyLogEntry(e, srv.publicKeyPem);
    const d2 = JSON.parse(Buffer.from(dsse.body, 'base64').toString()) as {
      spec: { envelopeHash: { value: string } };
    };
    expect(d2.spec.envelopeHash.value).toBe(sha(d.envelope));
  });

  it('answers a duplicate with 409 and the client returns the existing entry', async () => {
    const h = signer.hashedRekord('dup');
    const first = await client.createEntry(h.proposed);
    const second = await client.createEntry(h.proposed);
    expect(second.created).toBe(false);
    expect(second.uuid).toBe(first.uuid);
    expect(second.logIndex).toBe(first.logIndex);
    const res = await fetch(`${srv.url}/api/v1/log/entries`, {
      method: 'POST',
      body: JSON.stringify(h.proposed),
    });
    expect(res.status).toBe(409);
    expect(res.headers.get('location')).toBe(`/api/v1/log/entries/${first.uuid}`);
    expect(((await res.json()) as { message: string }).message).toContain(first.uuid);
  });

  it('gets entries by UUID, entry ID, index and retrieve', async () => {
    expect((await client.getEntry(dsse.uuid.slice(16))).uuid).toBe(dsse.uuid);
    expect((await client.getEntry(dsse.uuid)).logIndex).toBe(0);
    expect((await client.getEntryByIndex(1)).uuid).toBe(hr.uuid);
    const got = await client.retrieve({
      entryUUIDs: [dsse.uuid],
      logIndexes: [1, 999],
      entries: [signer.hashedRekord('nope').proposed],
    });
    expect(got.map((e) => e.uuid)).toEqual([dsse.uuid, hr.uuid]);
  });

  it('searches as Rekor indexes: artifact digest, subject digest, material digest, signer key, and/or', async () => {
    expect(await client.search({ hash: sha('artifact bytes') })).toEqual([hr.uuid]);
    expect(await client.search({ hash: `sha256:${image}` })).toContain(dsse.uuid);
    expect((await client.search({ hash: `sha1:${'a'.repeat(40)}` })).length).toBe(3);
    const byKey = await client.search({
      publicKey: { format: 'x509', content: Buffer.from(signer.publicKeyPem).toString('base64') },
    });
    expect(byKey).toEqual(expect.arrayContaining([dsse.uuid, hr.uuid]));
    const and = await client.search({
      hash: sha('artifact bytes'),
      publicKey: { format: 'x509', content: Buffer.from(other.publicKeyPem).toString('base64') },
      operator: 'and',
    });
    expect(and).toEqual([]);
    expect(await client.search({ hash: sha('never logged') })).toEqual([]);
  });

  it('turns an entry into a cosign bundle that verifies offline against the expected artifact', async () => {
    const bundle = toCosignBundle(hr);
    const h = JSON.parse(Buffer.from(hr.body, 'base64').toString()) as {
      spec: { signature: { content: string } };
    };
    const ok = verifyRekorBundle(bundle, srv.publicKeyPem, {
      payloadSha256: sha('artifact bytes'),
      signature: h.spec.signature.content,
      publicKeyPem: signer.publicKeyPem,
    });
    expect(ok).toMatchObject({ kind: 'hashedrekord', logIndex: 1 });
    expect(() => verifyRekorBundle(bundle, srv.publicKeyPem, { payloadSha256: sha('x') })).toThrow(
      /payload hash/,
    );
    expect(() => verifyRekorBundle(bundle, srv.publicKeyPem, { publicKeyPem: other.publicKeyPem })).toThrow(
      /public key/,
    );
    expect(() => verifyRekorBundle(bundle, other.publicKeyPem)).toThrow(/logID/);
    const forged = { ...bundle, Payload: { ...bundle.Payload, logIndex: 5 } };
    expect(() => verifyRekorBundle(forged, srv.publicKeyPem)).toThrow(/signed entry timestamp/);
  });

  it('integrates concurrent uploads; every answer verifies against its checkpoint', async () => {
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) => client.createEntry(signer.dsse(sha(`c${i}`)).proposed)),
    );
    const idx = results.map((r) => r.logIndex).sort((a, b) => a - b);
    expect(new Set(idx).size).toBe(60);
    for (const r of results) verifyLogEntry(r, srv.publicKeyPem);
  });

  it('proves consistency between any two tree heads and the root matches a full recomputation', async () => {
    const info = await client.logInfo();
    const leaves: Buffer[] = [];
    for (let i = 0; i < info.treeSize; i++)
      leaves.push(hashLeaf(Buffer.from((await client.getEntryByIndex(i)).body, 'base64')));
    expect(rootFromLeafHashes(leaves).toString('hex')).toBe(info.rootHash);
    const p = await client.consistencyProof(3, info.treeSize);
    expect(p.rootHash).toBe(info.rootHash);
    const { verifyConsistency } = await import('../../src/core/merkle.ts');
    verifyConsistency(
      3,
      info.treeSize,
      p.hashes.map((h) => Buffer.from(h, 'hex')),
      rootFromLeafHashes(leaves.slice(0, 3)),
      Buffer.from(info.rootHash, 'hex'),
    );
  });

  it('loginfo remembers the tree head and checks consistency; a forged remembered root is caught', async () => {
    const state = join(dir, 'state.json');
    const a = await checkLogInfo(client, srv.publicKeyPem, state);
    await client.createEntry(signer.hashedRekord('grow').proposed);
    const b = await checkLogInfo(client, srv.publicKeyPem, state);
    expect(b.TotalTreeSize).toBe(a.TotalTreeSize + 1);
    const { readFileSync, writeFileSync } = await import('node:fs');
    const s = JSON.parse(readFileSync(state, 'utf8')) as Record<string, { rootHash: string; size: number }>;
    s[srv.url]!.rootHash = 'ab'.repeat(32);
    s[srv.url]!.size = 3;
    writeFileSync(state, JSON.stringify(s));
    await expect(checkLogInfo(client, srv.publicKeyPem, state)).rejects.toMatchObject({
      code: 'TLOG_CONSISTENCY',
    });
  });

  it('serves C2SP tiles: checkpoint, level-0 tile = leaf hashes, entry bundle = bodies', async () => {
    const note = await (await fetch(`${srv.url}/checkpoint`)).text();
    const cp = verifyCheckpoint(note, createPublicKey(srv.publicKeyPem));
    const n = Math.min(cp.size, 255);
    const tile = Buffer.from(await (await fetch(`${srv.url}/tile/0/000.p/${n}`)).arrayBuffer());
    expect(tile.length).toBe(32 * n);
    const e0 = await client.getEntryByIndex(0);
    expect(tile.subarray(0, 32).toString('hex')).toBe(e0.uuid.slice(16));
    const bundle = Buffer.from(await (await fetch(`${srv.url}/tile/entries/000.p/${n}`)).arrayBuffer());
    const len = bundle.readUInt16BE(0);
    expect(bundle.subarray(2, 2 + len).toString('base64')).toBe(e0.body);
    expect((await fetch(`${srv.url}/tile/0/000`)).status).toBe(404); // fewer than 256 leaves
  });

  it('keeps its identity across restarts: same tree ID, key and entries', async () => {
    const before = await client.logInfo();
    await srv.close();
    srv = await startLogServer({ dbPath: db, addr: '127.0.0.1:0' });
    const c2 = new RekorClient(srv.url, { logPublicKey: await new RekorClient(srv.url).publicKey() });
    const after = await c2.logInfo();
    expect(after.treeID).toBe(before.treeID);
    expect(after.rootHash).toBe(before.rootHash);
    verifyLogEntry(await c2.getEntry(dsse.uuid), srv.publicKeyPem);
    expect((await c2.getEntry(dsse.uuid)).logID).toBe(dsse.logID);
    client = c2;
  });
});
