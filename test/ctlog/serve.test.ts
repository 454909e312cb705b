import { createHash, createPublicKey, verify } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashLeaf, verifyConsistency, verifyInclusion } from '../../src/core/merkle.ts';
import { startCtLogServer } from '../../src/ctlog/server/index.ts';
import type { RunningCtLog } from '../../src/ctlog/server/index.ts';
import {
  ctLogKey,
  decodeDigitallySigned,
  embeddedEntry,
  precertEntry,
  submitToCtLog,
  timestampedEntry,
  verifyEmbeddedScts,
  verifySct,
  x509Entry,
} from '../../src/ctlog/sct/index.ts';
import type { CtLogKey } from '../../src/ctlog/sct/index.ts';
import { issueLeaf, makeCa } from './pki.ts';
import type { TestCa } from './pki.ts';

/** RFC 9162 §2.1.3.2, written here independently of src/core. */
const H = (...parts: Buffer[]): Buffer => createHash('sha256').update(Buffer.concat(parts)).digest();
const node = (l: Buffer, r: Buffer): Buffer => H(Buffer.from([1]), l, r);
function rfcInclusion(index: number, size: number, leafHash: Buffer, path: Buffer[], root: Buffer): boolean {
  if (index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leafHash;
  for (const p of path) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = node(p, r);
      while (fn % 2 === 0 && fn !== 0) [fn, sn] = [fn >> 1, sn >> 1];
    } else r = node(r, p);
    [fn, sn] = [fn >> 1, sn >> 1];
  }
  return sn === 0 && r.equals(root);
}

/** RFC 9162 §2.1.4.2, independent of src/core. */
function rfcConsistency(
  first: number,
  second: number,
  proof: Buffer[],
  firstRoot: Buffer,
  secondRoot: Buffer,
): boolean {
  if (first === second) return proof.length === 0 && firstRoot.equals(secondRoot);
  if (first === 0 || first > second || proof.length === 0) return false;
  const path = (first & (first - 1)) === 0 ? [firstRoot, ...proof] : [...proof];
  let fn = first - 1;
  let sn = second - 1;
  while (fn % 2 === 1) [fn, sn] = [fn >> 1, sn >> 1];
  let fr = path[0] as Buffer;
  let sr = fr;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = node(c, fr);
      sr = node(c, sr);
      while (fn % 2 === 0 && fn !== 0) [fn, sn] = [fn >> 1, sn >> 1];
    } else sr = node(sr, c);
    [fn, sn] = [fn >> 1, sn >> 1];
  }
  return fr.equals(firstRoot) && sr.equals(secondRoot) && sn === 0;
}

interface Sth {
  tree_size: number;
  timestamp: number;
  sha256_root_hash: string;
  tree_head_signature: string;
}

let dir: string;
let ct: RunningCtLog;
let ca: TestCa;
let key: CtLogKey;
const b64 = (b: Buffer): string => b.toString('base64');
const get = async <T>(path: string): Promise<T> => {
  const r = await fetch(`${ct.url}${path}`);
  expect(r.status, await r.clone().text()).toBe(200);
  return (await r.json()) as T;
};
const post = async (
  path: string,
  body: string,
): Promise<{ status: number; json: Record<string, unknown> }> => {
  const r = await fetch(`${ct.url}${path}`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json' },
  });
  return { status: r.status, json: (await r.json()) as Record<string, unknown> };
};

/** The STH signature per RFC 6962 §3.5, rebuilt here. */
function checkSth(s: Sth): Buffer {
  const tbs = Buffer.alloc(50);
  tbs.writeBigUInt64BE(BigInt(s.timestamp), 2);
  tbs.writeBigUInt64BE(BigInt(s.tree_size), 10);
  tbs[1] = 1;
  const root = Buffer.from(s.sha256_root_hash, 'base64');
  root.copy(tbs, 18);
  const ds = decodeDigitallySigned(Buffer.from(s.tree_head_signature, 'base64'));
  expect([ds.hashAlgorithm, ds.signatureAlgorithm]).toEqual([4, 3]);
  expect(verify('sha256', tbs, key.publicKey, ds.signature)).toBe(true);
  return root;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ctlog-'));
  ca = await makeCa();
  ct = await startCtLogServer({ dir, addr: '127.0.0.1:0', rootsPem: ca.rootPem, maxBodyBytes: 64 * 1024 });
  const pem = await (await fetch(`${ct.url}/ct/v1/public-key`)).text();
  key = ctLogKey(createPublicKey(pem));
});
afterAll(async () => {
  await ct?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('ctlog serve: submissions', () => {
  it('add-pre-chain answers an SCT that verifies over the precert and, embedded, in the final certificate', async () => {
    const pre = await issueLeaf(ca, { poison: 'valid' });
    const sct = await submitToCtLog(ct.url, 'add-pre-chain', [pre.der, ca.intermediate]);
    expect(sct.logId.equals(key.logId)).toBe(true);
    verifySct(sct, precertEntry(pre.der, ca.intermediate), [key]);
    const final = await issueLeaf(ca, { scts: [sct], serialHex: pre.serialHex, keys: pre.keys });
    expect(verifyEmbeddedScts(final.der, ca.intermediate, [key])).toHaveLength(1);
    // resubmitting the same precert answers the same SCT (one log entry per certificate)
    const again = await submitToCtLog(ct.url, 'add-pre-chain', [pre.der, ca.intermediate, ca.root]);
    expect(again).toEqual(sct);
  });

  it('add-chain logs a final certificate as an x509_entry; a leaf issued by the root itself is accepted', async () => {
    const leaf = await issueLeaf(ca);
    verifySct(
      await submitToCtLog(ct.url, 'add-chain', [leaf.der, ca.intermediate, ca.root]),
      x509Entry(leaf.der),
      [key],
    );
    const direct = await issueLeaf(ca, { poison: 'valid', byRoot: true });
    const sct = await submitToCtLog(ct.url, 'add-pre-chain', [direct.der]);
    verifySct(sct, precertEntry(direct.der, ca.root), [key]);
  });

  it('get-roots and the public key endpoint', async () => {
    const roots = await get<{ certificates: string[] }>('/ct/v1/get-roots');
    expect(roots.certificates).toEqual([b64(ca.root)]);
    expect(statSync(join(dir, 'ctlog.key')).mode & 0o777).toBe(0o600);
  });
});

describe('ctlog serve: proofs', () => {
  it('every inclusion and consistency proof verifies with the core verifier and an independent RFC 9162 one', async () => {
    const sths: Sth[] = [await get<Sth>('/ct/v1/get-sth')];
    for (let i = 0; i < 9; i++) {
      await submitToCtLog(ct.url, 'add-chain', [(await issueLeaf(ca)).der, ca.intermediate]);
      sths.push(await get<Sth>('/ct/v1/get-sth'));
    }
    const last = sths[sths.length - 1] as Sth;
    const { entries } = await get<{ entries: { leaf_input: string; extra_data: string }[] }>(
      `/ct/v1/get-entries?start=0&end=${last.tree_size - 1}`,
    );
    expect(entries).toHaveLength(last.tree_size);
    const root = checkSth(last);
    for (const [i, e] of entries.entries()) {
      const leafHash = hashLeaf(Buffer.from(e.leaf_input, 'base64'));
      const q = `hash=${encodeURIComponent(b64(leafHash))}&tree_size=${last.tree_size}`;
      const p = await get<{ leaf_index: number; audit_path: string[] }>(`/ct/v1/get-proof-by-hash?${q}`);
      const path = p.audit_path.map((h) => Buffer.from(h, 'base64'));
      expect(p.leaf_index).toBe(i);
      verifyInclusion(i, last.tree_size, leafHash, path, root);
      expect(rfcInclusion(i, last.tree_size, leafHash, path, root)).toBe(true);
      expect(rfcInclusion(i, last.tree_size, leafHash, path, hashLeaf(Buffer.from('x')))).toBe(false);
    }
    for (const a of sths.filter((s) => s.tree_size > 0))
      for (const b of sths.filter((s) => s.tree_size >= a.tree_size)) {
        const { consistency } = await get<{ consistency: string[] }>(
          `/ct/v1/get-sth-consistency?first=${a.tree_size}&second=${b.tree_size}`,
        );
        const proof = consistency.map((h) => Buffer.from(h, 'base64'));
        const [r1, r2] = [checkSth(a), checkSth(b)];
        verifyConsistency(a.tree_size, b.tree_size, proof, r1, r2);
        expect(rfcConsistency(a.tree_size, b.tree_size, proof, r1, r2)).toBe(true);
        if (a.tree_size < b.tree_size)
          expect(rfcConsistency(a.tree_size, b.tree_size, proof, r2, r1)).toBe(false);
      }
  });

  it('get-entries answers the leaf (timestamped entry) and the chain as extra_data', async () => {
    const pre = await issueLeaf(ca, { poison: 'valid' });
    const sct = await submitToCtLog(ct.url, 'add-pre-chain', [pre.der, ca.intermediate]);
    const { tree_size } = await get<Sth>('/ct/v1/get-sth');
    const { entries } = await get<{ entries: { leaf_input: string; extra_data: string }[] }>(
      `/ct/v1/get-entries?start=${tree_size - 1}&end=${tree_size + 50}`,
    );
    const [e] = entries;
    expect(entries).toHaveLength(1);
    const final = await issueLeaf(ca, { scts: [sct], serialHex: pre.serialHex, keys: pre.keys });
    expect(Buffer.from(e?.leaf_input ?? '', 'base64')).toEqual(
      timestampedEntry(sct.timestamp, embeddedEntry(final.der, ca.intermediate)),
    );
    const extra = Buffer.from(e?.extra_data ?? '', 'base64');
    expect(extra.readUIntBE(0, 3)).toBe(pre.der.length);
    expect(extra.subarray(3, 3 + pre.der.length)).toEqual(pre.der);
  });
});

describe('ctlog serve: failures are coded 400s in CT JSON style', () => {
  const cases: [string, () => Promise<[string, string]>, number, string, string][] = [
    [
      'chain to another root',
      async () => {
        const other = await makeCa('other');
        return [
          '/ct/v1/add-chain',
          JSON.stringify({
            chain: [b64((await issueLeaf(other)).der), b64(other.intermediate), b64(other.root)],
          }),
        ];
      },
      400,
      'unknown anchor',
      'CT_CHAIN_UNTRUSTED',
    ],
    [
      'garbage certificate',
      async () => ['/ct/v1/add-chain', JSON.stringify({ chain: [b64(Buffer.from('not a cert'))] })],
      400,
      'bad certificate',
      'CT_CERT_INVALID',
    ],
    [
      'bad base64',
      async () => ['/ct/v1/add-chain', JSON.stringify({ chain: ['@@@'] })],
      400,
      'bad certificate',
      'CT_CERT_INVALID',
    ],
    ['not JSON', async () => ['/ct/v1/add-chain', '{chain'], 400, 'bad request', 'CT_REQUEST_INVALID'],
    [
      'empty chain',
      async () => ['/ct/v1/add-chain', '{"chain":[]}'],
      400,
      'bad request',
      'CT_REQUEST_INVALID',
    ],
    [
      'oversize body',
      async () => ['/ct/v1/add-chain', JSON.stringify({ chain: ['A'.repeat(70_000)] })],
      413,
      'too large',
      'CT_BODY_TOO_LARGE',
    ],
    [
      'add-pre-chain without poison',
      async () => [
        '/ct/v1/add-pre-chain',
        JSON.stringify({ chain: [b64((await issueLeaf(ca)).der), b64(ca.intermediate)] }),
      ],
      400,
      'bad certificate',
      'CT_POISON_MISSING',
    ],
    [
      'add-chain with poison',
      async () => [
        '/ct/v1/add-chain',
        JSON.stringify({
          chain: [b64((await issueLeaf(ca, { poison: 'valid' })).der), b64(ca.intermediate)],
        }),
      ],
      400,
      'bad certificate',
      'CT_POISON_UNEXPECTED',
    ],
    [
      'non-critical poison',
      async () => [
        '/ct/v1/add-pre-chain',
        JSON.stringify({
          chain: [b64((await issueLeaf(ca, { poison: 'non-critical' })).der), b64(ca.intermediate)],
        }),
      ],
      400,
      'bad certificate',
      'CT_POISON_MALFORMED',
    ],
    [
      'chain out of order',
      async () => [
        '/ct/v1/add-chain',
        JSON.stringify({ chain: [b64((await issueLeaf(ca)).der), b64(ca.root), b64(ca.intermediate)] }),
      ],
      400,
      'bad chain',
      'CT_CHAIN_INVALID',
    ],
    [
      'a root alone',
      async () => ['/ct/v1/add-chain', JSON.stringify({ chain: [b64(ca.root)] })],
      400,
      'bad chain',
      'CT_CHAIN_INVALID',
    ],
  ];
  it.each(cases)('%s', async (_name, make, status, wire, code) => {
    const before = (await get<Sth>('/ct/v1/get-sth')).tree_size;
    const [path, body] = await make();
    const r = await post(path, body);
    expect(r).toMatchObject({ status, json: { error_code: wire, code } });
    expect(typeof r.json.error_message).toBe('string');
    expect((await get<Sth>('/ct/v1/get-sth')).tree_size).toBe(before);
  });

  it('bad query parameters, unknown routes and methods', async () => {
    const code = async (path: string, method = 'GET'): Promise<[number, unknown]> => {
      const r = await fetch(`${ct.url}${path}`, { method });
      return [r.status, ((await r.json()) as { code: string }).code];
    };
    expect(await code('/ct/v1/get-sth-consistency?first=2&second=1')).toEqual([400, 'CT_REQUEST_INVALID']);
    expect(await code('/ct/v1/get-sth-consistency?first=1&second=99999')).toEqual([
      400,
      'CT_REQUEST_INVALID',
    ]);
    expect(await code('/ct/v1/get-proof-by-hash?hash=AAAA&tree_size=1')).toEqual([400, 'CT_REQUEST_INVALID']);
    expect(
      await code(`/ct/v1/get-proof-by-hash?hash=${encodeURIComponent(b64(Buffer.alloc(32)))}&tree_size=1`),
    ).toEqual([404, 'CT_NOT_FOUND']);
    expect(await code('/ct/v1/get-entries?start=5&end=1')).toEqual([400, 'CT_REQUEST_INVALID']);
    expect(await code('/ct/v1/get-entries?start=-1&end=1')).toEqual([400, 'CT_REQUEST_INVALID']);
    expect(await code('/ct/v1/add-chain')).toEqual([405, 'CT_METHOD']);
    expect(await code('/ct/v1/nope')).toEqual([404, 'CT_NOT_FOUND']);
  });

  it('the client names a down log, a rejecting log and a garbage answer', async () => {
    const leaf = await issueLeaf(ca);
    await expect(
      submitToCtLog('http://127.0.0.1:1', 'add-chain', [leaf.der], { timeoutMs: 2000 }),
    ).rejects.toMatchObject({ code: 'CT_LOG_UNAVAILABLE' });
    await expect(submitToCtLog(ct.url, 'add-pre-chain', [leaf.der, ca.intermediate])).rejects.toMatchObject({
      code: 'CT_LOG_REJECTED',
    });
    await expect(submitToCtLog(`${ct.url}/ct/v1/get-roots?`, 'add-chain', [leaf.der])).rejects.toMatchObject({
      code: 'CT_LOG_REJECTED',
    });
  });
});

describe('ctlog serve: restart', () => {
  it('a reopened log keeps its entries, key and tree, and keeps appending consistently', async () => {
    const before = await get<Sth>('/ct/v1/get-sth');
    await ct.close();
    ct = await startCtLogServer({ dir, addr: '127.0.0.1:0', rootsPem: ca.rootPem });
    const same = await get<Sth>('/ct/v1/get-sth');
    expect([same.tree_size, same.sha256_root_hash]).toEqual([before.tree_size, before.sha256_root_hash]);
    checkSth(same);
    await submitToCtLog(ct.url, 'add-chain', [(await issueLeaf(ca)).der, ca.intermediate]);
    const after = await get<Sth>('/ct/v1/get-sth');
    const { consistency } = await get<{ consistency: string[] }>(
      `/ct/v1/get-sth-consistency?first=${before.tree_size}&second=${after.tree_size}`,
    );
    const proof = consistency.map((h) => Buffer.from(h, 'base64'));
    expect(rfcConsistency(before.tree_size, after.tree_size, proof, checkSth(before), checkSth(after))).toBe(
      true,
    );
  });
});
