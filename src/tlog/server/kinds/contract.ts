import 'reflect-metadata';
import {
  createPublicKey,
  generateKeyPairSync,
  KeyObject,
  verify as nodeVerify,
  webcrypto,
  X509Certificate,
} from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalize } from '../../../core/json.ts';
import { hashLeaf } from '../../../core/merkle.ts';
import { BODY_KINDS, parseBody } from '../../bodies/index.ts';
import type { EntryKindId, LogBody, ProposedEntry } from '../../bodies/index.ts';
import type { EntryErrorCode } from '../errors.ts';
import { startLogServer } from '../index.ts';
import type { RunningLogServer } from '../index.ts';
import { SERVER_KINDS, acceptProposed } from './index.ts';

/**
 * The suite every entry kind runs (docs/extending.md): call `entryKindContract` from one test file per kind;
 * src/extending.test.ts fails while a kind in ENTRY_KIND_IDS has no such run. It proposes over real HTTP to a
 * log of its own, reads the canonical body back through tlog/bodies, verifies what the body records against the
 * key and the certificate that signed, finds the entry by its search keys, and checks that refusals carry their
 * code and add nothing.
 */

/** Who signs a proposal: the private key, and the PEM the proposal names (an SPKI key or a certificate). */
export interface ContractSigner {
  privateKey: KeyObject;
  pem: string;
}

/** A proposal and what its canonical body must then record. */
export interface ContractProposal {
  proposed: ProposedEntry;
  /** The bytes each recorded signature is over (ECDSA P-256, SHA-256): the artifact, or the DSSE PAE. */
  signed: Buffer;
  /** Hex sha256 the body records as its payload hash. */
  payloadSha256: string;
  /** Hex sha256 of the envelope, for kinds that record one. */
  envelopeSha256?: string;
}

export interface EntryKindContractOptions {
  kind: EntryKindId;
  /** A fresh proposal of this kind over `content`, signed by `signer` (the suite makes keys and certificates). */
  propose: (signer: ContractSigner, content: string) => ContractProposal;
  /** Whether canonical bodies of this kind record the signatures (intoto 0.0.1 records only the key). */
  recordsSignatures: boolean;
  /** Proposals of this kind the log must refuse, each with the EntryError code it must raise. */
  refuses: (signer: ContractSigner) => [label: string, proposal: unknown, code: EntryErrorCode][];
}

function keySigner(): ContractSigner {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privateKey, pem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

/** A self-signed P-256 certificate naming `email`, as a keyless signer's (the log checks no chain for one). */
async function certificateSigner(email: string): Promise<ContractSigner> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=entry kind contract',
    keys,
    signingAlgorithm: alg,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 3_600_000),
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'email', value: email }])],
  });
  return { privateKey: KeyObject.from(keys.privateKey), pem: cert.toString('pem') };
}

const keyOf = (pem: string): KeyObject => createPublicKey(pem);
const spki = (k: KeyObject): Buffer => k.export({ type: 'spki', format: 'der' });

class LogOverHttp {
  constructor(readonly srv: RunningLogServer) {}

  async post(path: string, body: unknown): Promise<{ status: number; json: unknown }> {
    const res = await fetch(`${this.srv.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as unknown };
  }

  async treeSize(): Promise<number> {
    const res = await fetch(`${this.srv.url}/api/v1/log`);
    return ((await res.json()) as { treeSize: number }).treeSize;
  }

  /** Propose; the answer's one entry, its UUID (leaf hash) and canonical body bytes. */
  async add(p: ProposedEntry): Promise<{ uuid: string; body: Buffer }> {
    const r = await this.post('/api/v1/log/entries', p);
    expect(r.status, JSON.stringify(r.json)).toBe(201);
    const [[id, v]] = Object.entries(r.json as Record<string, { body: string }>) as [
      [string, { body: string }],
    ];
    return { uuid: id.slice(-64), body: Buffer.from(v.body, 'base64') };
  }

  async search(query: Record<string, unknown>): Promise<string[]> {
    const r = await this.post('/api/v1/index/retrieve', query);
    expect(r.status).toBe(200);
    return (r.json as string[]).map((u) => u.slice(-64));
  }
}

/** Every signature the body records verifies over `signed` with the key of its verifier (key or certificate). */
function expectSignaturesVerify(body: LogBody, signed: Buffer, signer: ContractSigner): void {
  for (const s of body.facts.signatures) {
    const k = keyOf(s.verifier);
    const sig = Buffer.from(s.signature, 'base64');
    expect(spki(k).equals(spki(keyOf(signer.pem)))).toBe(true);
    expect(nodeVerify('sha256', signed, k, sig)).toBe(true);
    expect(nodeVerify('sha256', Buffer.concat([signed, Buffer.from('x')]), k, sig)).toBe(false);
  }
}

export function entryKindContract(o: EntryKindContractOptions): void {
  describe(`entry kind contract: ${o.kind}`, () => {
    let log: LogOverHttp;
    const key = keySigner();
    let cert: ContractSigner;
    const email = `contract-${o.kind.replace(/\W/g, '-')}@example.com`;
    beforeAll(async () => {
      const dir = mkdtempSync(join(tmpdir(), 'kind-contract-'));
      log = new LogOverHttp(await startLogServer({ dbPath: join(dir, 'log.db'), addr: '127.0.0.1:0' }));
      cert = await certificateSigner(email);
    });
    afterAll(async () => log?.srv.close());

    it('is the entry of its id on both sides (server kind, body schema)', () => {
      expect(SERVER_KINDS[o.kind].id).toBe(o.kind);
      expect(BODY_KINDS[o.kind].id).toBe(o.kind);
    });

    it('logs a key-signed proposal; the canonical body reads back as this kind and records it', async () => {
      const p = o.propose(key, 'artifact signed by a key');
      const { uuid, body } = await log.add(p.proposed);
      expect(hashLeaf(body).toString('hex')).toBe(uuid);
      expect(body.toString()).toBe(canonicalize(JSON.parse(body.toString())));
      const b = parseBody(body);
      expect(b.id).toBe(o.kind);
      expect(b.facts.payloadHash?.value).toBe(p.payloadSha256);
      if (p.envelopeSha256) expect(b.facts.envelopeHash?.value).toBe(p.envelopeSha256);
      expect(b.facts.verifiers.map((v) => spki(keyOf(v)))).toContainEqual(spki(keyOf(key.pem)));
      expect(b.facts.signatures.length > 0).toBe(o.recordsSignatures);
      expectSignaturesVerify(b, p.signed, key);
    });

    it('logs a certificate-signed proposal; the body names the certificate, whose key verifies', async () => {
      const p = o.propose(cert, 'artifact signed under a certificate');
      const { body } = await log.add(p.proposed);
      const b = parseBody(body);
      const sans = b.facts.verifiers.map((v) => new X509Certificate(v).subjectAltName);
      expect(sans).toContain(`email:${email}`);
      expectSignaturesVerify(b, p.signed, cert);
    });

    it('is found by its hashes, by its public key, and by the email of its certificate', async () => {
      const byKey = await log.add(o.propose(key, 'found by search').proposed);
      const byCert = await log.add(o.propose(cert, 'found by email').proposed);
      for (const k of parseBody(byKey.body).facts.searchHashes)
        expect(await log.search({ hash: k })).toContain(byKey.uuid);
      const pk = { format: 'x509', content: Buffer.from(key.pem).toString('base64') };
      expect(await log.search({ publicKey: pk })).toContain(byKey.uuid);
      const found = await log.search({ email });
      expect(found).toContain(byCert.uuid);
      expect(found).not.toContain(byKey.uuid);
    });

    it('answers the same proposal again with 409 and no second entry', async () => {
      const p = o.propose(key, 'proposed twice').proposed;
      await log.add(p);
      const size = await log.treeSize();
      expect((await log.post('/api/v1/log/entries', p)).status).toBe(409);
      expect(await log.treeSize()).toBe(size);
    });

    it('refuses bad input with its code, and the log keeps no entry of it', async () => {
      const other = keySigner();
      const forged = o.propose({ privateKey: other.privateKey, pem: key.pem }, 'signed by another key');
      const cases: [string, unknown, EntryErrorCode][] = [
        ['a signature by another key than the one named', forged.proposed, 'TLOG_SIGNATURE_INVALID'],
        ['an empty spec', { ...o.propose(key, 'x').proposed, spec: {} }, 'TLOG_ENTRY_INVALID'],
        ...o.refuses(key),
      ];
      for (const [label, proposal, code] of cases) {
        expect(() => acceptProposed(proposal), label).toThrow(expect.objectContaining({ code }));
        const size = await log.treeSize();
        expect((await log.post('/api/v1/log/entries', proposal)).status, label).toBe(400);
        expect(await log.treeSize(), label).toBe(size);
      }
    });
  });
}
