import { createHash, generateKeyPairSync, sign, verify } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { signCheckpoint } from '../core/checkpoint.ts';
import { hashLeaf } from '../core/merkle.ts';
import { setMessage } from '../tlog/types/wire.ts';
import { bytesToHex } from './app/lib/bytes.ts';
import { describeSigner } from './app/lib/cert.ts';
import { decodeBody } from './app/lib/decode.ts';
import { derToP1363 } from './app/lib/der.ts';
import { checkInclusion } from './app/lib/merkle.ts';
import { diffStatements, statementView } from './app/lib/statement.ts';
import { verifyEntry } from './app/lib/verify.ts';
import type { EntryValue } from './app/lib/verify.ts';
import { pinnedTrust } from './trust.ts';

/** The browser's verification code, run in Node against the vectors and our own signer (unit project). */
const VECTORS = resolve(import.meta.dirname, '../../test/vectors');
const b64 = (s: string): Uint8Array => Buffer.from(s, 'base64');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.json') ? [p] : [];
  });
}

describe('console browser library', () => {
  it('inclusion proofs: every transparency-dev/merkle vector (RFC 6962) gets the expected answer', async () => {
    const cases = files(join(VECTORS, 'merkle/inclusion'));
    expect(cases.length).toBeGreaterThan(50);
    for (const f of cases) {
      const v = JSON.parse(readFileSync(f, 'utf8')) as {
        leafIdx: number;
        treeSize: number;
        root: string | null;
        leafHash: string | null;
        proof: string[] | null;
        wantErr: boolean;
      };
      const r = await checkInclusion(
        v.leafIdx,
        v.treeSize,
        b64(v.leafHash ?? ''),
        (v.proof ?? []).map(b64),
        b64(v.root ?? ''),
      );
      expect(r.ok, f).toBe(!v.wantErr);
    }
  });

  it('DER ECDSA signatures convert to the P1363 form WebCrypto verifies (any signature)', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (msg) => {
        const der = sign('sha256', msg, privateKey);
        const mine = derToP1363(der, 32);
        return (
          mine.length === 64 && verify('sha256', msg, { key: publicKey, dsaEncoding: 'ieee-p1363' }, mine)
        );
      }),
      { numRuns: 50 },
    );
  });

  it('verifies a real public-good Rekor entry (sharded log) against the pinned trusted root, and names a forged one', async () => {
    const bundle = JSON.parse(
      readFileSync(join(VECTORS, 'rekor/cosign/oci-attestation.sigstore.json'), 'utf8'),
    );
    const t = bundle.verificationMaterial.tlogEntries[0];
    const value: EntryValue = {
      body: t.canonicalizedBody,
      integratedTime: Number(t.integratedTime),
      logID: Buffer.from(t.logId.keyId, 'base64').toString('hex'),
      logIndex: Number(t.logIndex),
      verification: {
        signedEntryTimestamp: t.inclusionPromise.signedEntryTimestamp,
        inclusionProof: {
          checkpoint: t.inclusionProof.checkpoint.envelope,
          hashes: t.inclusionProof.hashes.map((h: string) => Buffer.from(h, 'base64').toString('hex')),
          logIndex: Number(t.inclusionProof.logIndex),
          rootHash: Buffer.from(t.inclusionProof.rootHash, 'base64').toString('hex'),
          treeSize: Number(t.inclusionProof.treeSize),
        },
      },
    };
    const uuid = hashLeaf(Buffer.from(value.body, 'base64')).toString('hex');
    const from = join(VECTORS, 'rekor/public-good/trusted_root.json');
    const trust = pinnedTrust({ trustedRoot: { text: readFileSync(from, 'utf8'), from } });
    const keys = (trust?.keys ?? []).map(b64);
    const good = await verifyEntry(uuid, value, keys);
    expect(good.checks.map((c) => `${c.name}=${c.state}`)).toEqual([
      'key=ok',
      'uuid=ok',
      'set=ok',
      'checkpoint=ok',
      'inclusion=ok',
    ]);
    const forged = { ...value, integratedTime: value.integratedTime + 1 };
    expect(await verifyEntry(uuid, forged, keys)).toMatchObject({ verified: false, failed: 'set' });
    const otherKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({
      type: 'spki',
      format: 'der',
    });
    expect(await verifyEntry(uuid, value, [otherKey])).toMatchObject({ verified: false, failed: 'key' });
    // the signing certificate: Fulcio identity and issuer read by the browser's DER reader
    const der = Buffer.from(bundle.verificationMaterial.certificate.rawBytes, 'base64');
    const pem = `-----BEGIN CERTIFICATE-----\n${der.toString('base64')}\n-----END CERTIFICATE-----\n`;
    const signer = await describeSigner(pem);
    expect(signer).toMatchObject({
      type: 'certificate',
      fingerprint: createHash('sha256').update(der).digest('hex'),
    });
    expect(signer.type === 'certificate' && signer.identities.length).toBeGreaterThan(0);
    expect(signer.type === 'certificate' && signer.issuer).toMatch(/^https:\/\//);
  });

  it('our own log entry shape: each tampered field fails the check that covers it, later checks are not made', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const spki = publicKey.export({ type: 'spki', format: 'der' });
    const body = Buffer.from('{"kind":"x"}');
    const leaf = hashLeaf(body);
    const logID = createHash('sha256').update(spki).digest('hex');
    const base = { body: body.toString('base64'), integratedTime: 1, logID, logIndex: 0 };
    const note = signCheckpoint(
      { origin: 'o', size: 1, rootHash: leaf, extensions: [] },
      'o',
      privateKey,
      publicKey,
    );
    const v: EntryValue = {
      ...base,
      verification: {
        signedEntryTimestamp: sign('sha256', setMessage(base), privateKey).toString('base64'),
        inclusionProof: {
          checkpoint: note,
          hashes: [],
          logIndex: 0,
          rootHash: leaf.toString('hex'),
          treeSize: 1,
        },
      },
    };
    const uuid = bytesToHex(leaf);
    expect(await verifyEntry(uuid, v, [spki])).toMatchObject({ verified: true });
    expect(await verifyEntry('0'.repeat(64), v, [spki])).toMatchObject({ failed: 'uuid' });
    const noProof = { ...v, verification: { signedEntryTimestamp: v.verification?.signedEntryTimestamp } };
    const r = await verifyEntry(uuid, noProof, [spki]);
    expect(r).toMatchObject({ verified: false, failed: 'checkpoint' });
    expect(r.checks.find((c) => c.name === 'inclusion')?.state).toBe('not-made');
  });

  it('reads statements for the picture and diffs two of them path by path', () => {
    const a = {
      subject: [{ name: 'img', digest: { sha256: 'aa' } }],
      predicate: { builder: { id: 'b' }, materials: [] },
    };
    const b = {
      subject: [{ name: 'img', digest: { sha256: 'bb' } }],
      predicate: { builder: { id: 'b' }, x: 1 },
    };
    expect(statementView(a)).toMatchObject({
      builder: 'b',
      subjects: [{ name: 'img', digests: ['sha256:aa'] }],
    });
    expect(statementView('not an object')).toMatchObject({ subjects: [], materials: [] });
    const rows = diffStatements(a, b).filter((r) => r.change !== 'same');
    expect(rows).toEqual([
      { path: '/subject/0/digest/sha256', a: '"aa"', b: '"bb"', change: 'changed' },
      { path: '/predicate/materials', a: '[]', change: 'removed' },
      { path: '/predicate/x', b: '1', change: 'added' },
    ]);
  });

  it('hostile input: decoding and reading statements never throw, whatever the JSON', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), fc.jsonValue(), async (body, statement) => {
        const d = await decodeBody(
          Buffer.from(JSON.stringify(body)).toString('base64'),
          Buffer.from(JSON.stringify(statement)).toString('base64'),
        );
        expect(typeof d.kind).toBe('string');
        const v = statementView(statement);
        for (const a of [...v.subjects, ...v.materials]) expect(typeof a.name).toBe('string');
        diffStatements(body, statement);
      }),
      { numRuns: 300 },
    );
    for (const kind of ['hashedrekord', 'dsse', 'intoto'])
      await fc.assert(
        fc.asyncProperty(fc.jsonValue(), async (spec) => {
          const text = JSON.stringify({ apiVersion: '0.0.1', kind, spec });
          expect((await decodeBody(Buffer.from(text).toString('base64'))).kind).toBe(kind);
        }),
        { numRuns: 100 },
      );
  });

  it('a flipped bit anywhere in the signed parts of an entry is never verified', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const spki = publicKey.export({ type: 'spki', format: 'der' });
    const leaves = [0, 1, 2].map((i) => hashLeaf(Buffer.from(`{"i":${i}}`)));
    const node01 = createHash('sha256')
      .update(Buffer.from([1]))
      .update(leaves[0] as Buffer)
      .update(leaves[1] as Buffer)
      .digest();
    const root = createHash('sha256')
      .update(Buffer.from([1]))
      .update(node01)
      .update(leaves[2] as Buffer)
      .digest();
    const body = Buffer.from('{"i":2}');
    const base = {
      body: body.toString('base64'),
      integratedTime: 5,
      logID: createHash('sha256').update(spki).digest('hex'),
      logIndex: 2,
    };
    const entry: EntryValue = {
      ...base,
      verification: {
        signedEntryTimestamp: sign('sha256', setMessage(base), privateKey).toString('base64'),
        inclusionProof: {
          checkpoint: signCheckpoint(
            { origin: 'o', size: 3, rootHash: root, extensions: [] },
            'o',
            privateKey,
            publicKey,
          ),
          hashes: [node01.toString('hex')],
          logIndex: 2,
          rootHash: root.toString('hex'),
          treeSize: 3,
        },
      },
    };
    const uuid = bytesToHex(leaves[2] as Buffer);
    expect(await verifyEntry(uuid, entry, [spki])).toMatchObject({ verified: true });
    const flip = (b64: string, bit: number): string => {
      const b = Buffer.from(b64, 'base64');
      b.writeUInt8(
        (b[Math.floor(bit / 8) % b.length] ?? 0) ^ (1 << (bit % 8)),
        Math.floor(bit / 8) % b.length,
      );
      return b.toString('base64');
    };
    const flipHex = (h: string, bit: number): string =>
      Buffer.from(flip(Buffer.from(h, 'hex').toString('base64'), bit), 'base64').toString('hex');
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 3 }), fc.nat(2000), async (what, bit) => {
        const e = structuredClone(entry);
        const v = e.verification!;
        const p = v.inclusionProof!;
        if (what === 0) e.body = flip(e.body, bit);
        if (what === 1) v.signedEntryTimestamp = flip(v.signedEntryTimestamp!, bit);
        if (what === 2) p.hashes[0] = flipHex(p.hashes[0]!, bit);
        if (what === 3) p.rootHash = flipHex(p.rootHash, bit);
        expect((await verifyEntry(uuid, e, [spki])).verified).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});
