import { generateKeyPairSync, sign as nodeSign, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { preAuthEncoding, INTOTO_PAYLOAD_TYPE } from '../core/dsse.ts';
import { encodePem } from '../core/encoding.ts';
import type { SignedRecord } from '../core/signed.ts';
import type { ImageTarget, RunRef, StorageBackend, StoreRequest } from './backend.ts';
import type { StorageName } from './registry.ts';

/** What a backend gives back for one stored object: the stored bytes and the signature (base64). */
export interface ReadBack {
  /** simplesigning payload, DSSE envelope JSON, or raw run payload */
  bytes: Buffer;
  /** base64 signature for simplesigning/raw; the first DSSE signature for envelopes */
  signature: string;
}

export interface StorageContractOptions {
  /** the registry name of the backend under test (src/storage/registry.ts) */
  storage: StorageName;
  /** this run's label (a backend may run the suite in several set-ups) */
  name: string;
  /** a fresh backend (called per test) */
  backend: () => StorageBackend | Promise<StorageBackend>;
  /** a fresh image target (e.g. pushed to a registry) */
  image: () => Promise<ImageTarget>;
  /** everything stored for `req` (at `subject` for attestations), in store order */
  read: (req: StoreRequest, subject?: ImageTarget) => Promise<ReadBack[]>;
  /** whether the backend stores `run-payload` requests (oci skips them) */
  storesRunPayload: boolean;
  /**
   * What a second, different signature for the same run and key does: `append` keeps both in order (oci, local),
   * `overwrite` keeps the newest (tekton: Chains patches the run's `signature-<key>` annotations).
   */
  repeated: 'append' | 'overwrite';
}

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const identity = {
  kind: 'publicKey' as const,
  publicKeyPem: encodePem('PUBLIC KEY', publicKey.export({ type: 'spki', format: 'der' })),
};
const sig = (data: Buffer): string => nodeSign('sha256', data, privateKey).toString('base64');

function run(): RunRef {
  const uid = randomUUID();
  return { kind: 'TaskRun', namespace: 'default', name: `build-${uid.slice(0, 8)}`, uid };
}

function imageSignature(image: ImageTarget, note = ''): StoreRequest {
  const payload = Buffer.from(
    JSON.stringify({
      critical: {
        identity: { 'docker-reference': image.repository },
        image: { 'docker-manifest-digest': image.digest },
        type: 'cosign container image signature',
      },
      optional: note ? { note } : null,
    }),
  );
  const record: SignedRecord = { kind: 'simplesigning', bytes: payload, signature: sig(payload), identity };
  return {
    what: 'image-signature',
    run: run(),
    record,
    image,
    shortKey: image.digest.slice(7, 19),
    format: 'simplesigning',
  };
}

function attestation(subjects: ImageTarget[]): StoreRequest {
  const statement = Buffer.from(
    JSON.stringify({
      _type: 'https://in-toto.io/Statement/v1',
      subject: subjects.map((s) => ({ name: s.repository, digest: { sha256: s.digest.slice(7) } })),
      predicateType: 'https://slsa.dev/provenance/v1',
      predicate: { buildDefinition: { buildType: 'contract-test' } },
    }),
  );
  const s = sig(preAuthEncoding(INTOTO_PAYLOAD_TYPE, statement));
  const bytes = Buffer.from(
    JSON.stringify({
      payloadType: INTOTO_PAYLOAD_TYPE,
      payload: statement.toString('base64'),
      signatures: [{ keyid: '', sig: s }],
    }),
  );
  const r = run();
  return {
    what: 'attestation',
    run: r,
    record: { kind: 'dsse', bytes, signature: s, identity },
    predicateType: 'https://slsa.dev/provenance/v1',
    subjects,
    shortKey: `taskrun-${r.uid}`,
    format: 'slsa/v2alpha4',
  };
}

/** The StoreRequest cases every StorageBackend must pass; call inside a test file. */
export function runStorageContract(o: StorageContractOptions): void {
  describe(`storage contract: ${o.name}`, () => {
    it('stores an image signature and reads back the exact payload and signature', async () => {
      const req = imageSignature(await o.image());
      await (await o.backend()).store(req);
      expect(await o.read(req)).toEqual([{ bytes: req.record.bytes, signature: req.record.signature }]);
    });

    it('does not duplicate an identical store (retries are no-ops)', async () => {
      const req = imageSignature(await o.image());
      const b = await o.backend();
      await b.store(req);
      await b.store(req);
      expect(await o.read(req)).toHaveLength(1);
    });

    it('is the registry entry it names', async () => {
      expect((await o.backend()).type).toBe(o.storage);
    });

    const repeatTitle =
      o.repeated === 'append'
        ? 'appends a second signature for the same run and keeps the first, in order'
        : 'a second signature for the same run and key replaces the first';
    it(repeatTitle, async () => {
      const image = await o.image();
      const a = imageSignature(image, 'first');
      const b = { ...imageSignature(image, 'second'), run: a.run };
      await (await o.backend()).store(a);
      await (await o.backend()).store(b);
      const got = (await o.read(b)).map((g) => g.bytes.toString());
      const first = a.record.bytes.toString();
      const second = b.record.bytes.toString();
      expect(got).toEqual(o.repeated === 'append' ? [first, second] : [second]);
    });

    it('stores an attestation next to every subject, envelope bytes unchanged', async () => {
      const subjects = [await o.image(), await o.image()];
      const req = attestation(subjects);
      await (await o.backend()).store(req);
      for (const s of subjects) {
        expect(await o.read(req, s)).toEqual([{ bytes: req.record.bytes, signature: req.record.signature }]);
      }
    });

    it('accepts an attestation with no subjects', async () => {
      await expect((await o.backend()).store(attestation([]))).resolves.toBeDefined();
    });

    it(o.storesRunPayload ? 'stores a run payload' : 'skips a run payload without error', async () => {
      const payload = Buffer.from('{"kind":"TaskRun"}');
      const r = run();
      const req: StoreRequest = {
        what: 'run-payload',
        run: r,
        record: { kind: 'raw', bytes: payload, signature: sig(payload), identity },
        shortKey: `taskrun-${r.uid}`,
        format: 'tekton',
      };
      const res = await (await o.backend()).store(req);
      if (o.storesRunPayload)
        expect(await o.read(req)).toEqual([{ bytes: payload, signature: req.record.signature }]);
      else expect(res.locations).toEqual([]);
    });
  });
}
