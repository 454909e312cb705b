import { createHash, generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { switchingUploader } from '../../src/cli/tlog-wiring.ts';
import { parseConfig } from '../../src/config/index.ts';
import { ConfigStore } from '../../src/config/store.ts';
import * as A from '../../src/controller/annotations.ts';
import { finishedKanikoTaskRun } from '../../src/demo/kaniko-run.ts';
import { Orchestrator } from '../../src/controller/orchestrator.ts';
import { ChainsPayloadBuilder } from '../../src/controller/payloads.ts';
import { staticSigner } from '../../src/controller/signer-source.ts';
import { RekorUploader } from '../../src/controller/tlog-uploader.ts';
import { sha256Hex } from '../../src/core/hash.ts';
import { privateKeyMaterial } from '../../src/keys/index.ts';
import type { StorageBackend, StoreRequest, StoreResult } from '../../src/storage/backend.ts';
import { MemoryRuns } from '../fakes/memory-runs.ts';
import { KeySigner, signInToto, signRaw, simpleSigningPayload } from '../../src/signing/index.ts';
import type { SignedRecord } from '../../src/core/signed.ts';
import { RekorClient } from '../../src/tlog/client/index.ts';
import { startLogServer, type RunningLogServer } from '../../src/tlog/server/index.ts';

const signer = new KeySigner(
  privateKeyMaterial(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey),
);
const work = mkdtempSync(join(tmpdir(), 'chains-uploader-'));
let log: RunningLogServer;

beforeAll(async () => {
  log = await startLogServer({ dbPath: join(work, 'log.db'), addr: '127.0.0.1:0' });
});
afterAll(async () => log.close());

const statement = () =>
  Buffer.from(
    JSON.stringify({
      _type: 'https://in-toto.io/Statement/v0.1',
      subject: [],
      n: randomBytes(8).toString('hex'),
    }),
  );
const imageSig = async (): Promise<SignedRecord> => ({
  ...(await signRaw(
    signer,
    simpleSigningPayload('127.0.0.1:5000/x', `sha256:${randomBytes(32).toString('hex')}`),
  )),
  kind: 'simplesigning',
});

/** A fetch that records the paths asked for, and can replace the answer to an entry upload. */
function spyFetch(replace?: () => Response | undefined): { fetch: typeof fetch; paths: string[] } {
  const paths: string[] = [];
  return {
    paths,
    fetch: async (input, init) => {
      const url = new URL(String(input));
      paths.push(url.pathname);
      const fake = url.pathname === '/api/v1/log/entries' ? replace?.() : undefined;
      return fake ?? fetch(input, init);
    },
  };
}

describe('RekorUploader checks every entry before the controller records it', () => {
  it('verifies the SET with the log key fetched once (trust on first use) and returns the cosign bundle', async () => {
    const spy = spyFetch();
    const up = new RekorUploader(new RekorClient(log.url, { fetch: spy.fetch }));
    const a = await up.upload(await signInToto(signer, statement()));
    const b = await up.upload(await imageSig());
    expect(a).toMatchObject({ created: true, bundle: { Payload: { logIndex: a.logIndex } } });
    expect(b.logIndex).toBe(a.logIndex + 1);
    expect(spy.paths.filter((p) => p === '/api/v1/log/publicKey')).toHaveLength(1);
  });

  it('rejects entries signed by another log key (TLOG_VERIFY)', async () => {
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
    const up = new RekorUploader(new RekorClient(log.url), { logPublicKey: other });
    await expect(up.upload(await imageSig())).rejects.toMatchObject({
      code: 'TLOG_VERIFY',
      message: expect.stringMatching(/logID .* is not the log key's ID/),
    });
  });

  it.each([
    ['dsse', () => signInToto(signer, statement())],
    ['hashedrekord', imageSig],
  ])('rejects a genuine entry of another %s record (a replaying log)', async (_kind, make) => {
    const first = await make();
    let replay: { status: number; body: string } | undefined;
    const honest = new RekorUploader(
      new RekorClient(log.url, {
        fetch: async (input, init) => {
          const res = await fetch(input, init);
          if (String(input).endsWith('/api/v1/log/entries'))
            replay = { status: res.status, body: await res.clone().text() };
          return res;
        },
      }),
      { logPublicKey: log.publicKeyPem },
    );
    await honest.upload(first);
    const liar = spyFetch(() => new Response(replay?.body, { status: replay?.status ?? 500 }));
    const up = new RekorUploader(new RekorClient(log.url, { fetch: liar.fetch }), {
      logPublicKey: log.publicKeyPem,
    });
    await expect(up.upload(await make())).rejects.toMatchObject({
      code: 'TLOG_VERIFY',
      message: expect.stringMatching(/is not the entry of this signature/),
    });
  });

  it('rejects a tampered SET', async () => {
    const liar = spyFetch();
    const client = new RekorClient(log.url, {
      fetch: async (input, init) => {
        const res = await liar.fetch(input, init);
        if (!String(input).endsWith('/api/v1/log/entries')) return res;
        const m = (await res.json()) as Record<string, { integratedTime: number }>;
        for (const v of Object.values(m)) v.integratedTime += 1;
        return new Response(JSON.stringify(m), { status: res.status });
      },
    });
    const up = new RekorUploader(client, { logPublicKey: log.publicKeyPem });
    await expect(up.upload(await imageSig())).rejects.toMatchObject({
      code: 'TLOG_VERIFY',
      message: expect.stringMatching(/signed entry timestamp does not verify/),
    });
  });
});

/** A storage backend that keeps what it was given, or fails like a full disk. */
class Capture implements StorageBackend {
  readonly type = 'local';
  readonly stored: StoreRequest[] = [];
  constructor(private readonly down = false) {}
  async store(req: StoreRequest): Promise<StoreResult> {
    if (this.down) throw new Error('disk full');
    this.stored.push(req);
    return { backend: 'local', locations: [] };
  }
}

const cfg = parseConfig({
  'artifacts.taskrun.storage': 'local',
  'artifacts.oci.storage': 'local',
  'transparency.enabled': 'true',
});

/** A controller instance with fresh memory (a restart), counting its index searches. */
function instance(runs: MemoryRuns, store: Capture, startedAt?: Date, by: KeySigner = signer) {
  const spy = spyFetch();
  const orch = new Orchestrator({
    signer: staticSigner(by),
    payloads: new ChainsPayloadBuilder(() => cfg),
    backends: async () => new Map<string, StorageBackend>([['local', store]]),
    runs,
    tlog: new RekorUploader(new RekorClient(log.url, { fetch: spy.fetch })),
    options: () => cfg,
    ...(startedAt ? { startedAt } : {}),
  });
  const searches = () => spy.paths.filter((p) => p === '/api/v1/index/retrieve').length;
  return { orch, searches };
}

const treeSize = async () => (await new RekorClient(log.url).logInfo()).treeSize;

/** Runs whose annotation writes are lost: a controller that stopped between upload and mark. */
class Forgetful extends MemoryRuns {
  override async writeAnnotations(): Promise<void> {}
}

/** The one log entry per payload, and the stored records' bytes are the logged ones. */
async function expectLoggedOnce(stored: StoreRequest[]): Promise<void> {
  const client = new RekorClient(log.url);
  expect(stored.map((r) => r.what).sort()).toEqual(['attestation', 'image-signature']);
  for (const req of stored) {
    const rec = req.record;
    const payload =
      rec.kind === 'dsse' ? Buffer.from(JSON.parse(rec.bytes.toString()).payload, 'base64') : rec.bytes;
    const ids = await client.search({ hash: `sha256:${sha256Hex(payload)}` });
    expect(ids).toHaveLength(1);
    const [entry] = await client.retrieve({ entryUUIDs: ids });
    const body = JSON.parse(Buffer.from(entry?.body ?? '', 'base64').toString()) as {
      spec: { envelopeHash?: { value: string }; signature?: { content: string } };
    };
    if (rec.kind === 'dsse') {
      expect(body.spec.envelopeHash?.value).toBe(sha256Hex(rec.bytes));
      expect(rec.bundle?.Payload.logIndex).toBe(entry?.logIndex);
    } else expect(body.spec.signature?.content).toBe(rec.signature);
  }
}

describe('retries after a controller restart reuse the logged signatures', () => {
  const kaniko = (runs: MemoryRuns, finishedAt?: Date) =>
    runs.add(
      finishedKanikoTaskRun({
        name: `kaniko-${randomUUID().slice(0, 6)}`,
        uid: randomUUID(),
        image: '127.0.0.1:5000/kaniko-chains',
        digest: `sha256:${randomBytes(32).toString('hex')}`,
        ...(finishedAt ? { finishedAt } : {}),
      }),
    );

  it('storage down after the upload, then a new instance retries: no second entry, the logged signature is stored', async () => {
    const runs = new MemoryRuns();
    const doc = kaniko(runs, new Date(Date.now() + 60_000)); // completed after both instances started
    const before = await treeSize();
    const first = instance(runs, new Capture(true));
    expect((await first.orch.signRun(doc)).status).toBe('retry');
    expect(runs.annotations(doc.metadata.name)[A.FAILURE_REASON]).toMatch(/disk full/);
    expect(await treeSize()).toBe(before + 1); // the attestation; a failed type stops the pass (https://github.com/tektoncd/chains/tree/main/pkg/reconciler)
    const store = new Capture();
    const second = instance(runs, store);
    const out = await second.orch.signRun(runs.get(doc.metadata.name));
    expect(out).toMatchObject({ status: 'signed', signed: 2 });
    expect(second.searches()).toBe(2);
    expect(await treeSize()).toBe(before + 2);
    await expectLoggedOnce(store.stored);
    const logged = await new RekorClient(log.url).getEntryByIndex(before + 1);
    expect(runs.annotations(doc.metadata.name)[A.TRANSPARENCY]).toBe(
      `${log.url}/api/v1/log/entries?logIndex=${logged.logIndex}`,
    );
  });

  it('a controller that stopped before marking: the run completed before the restart, so its entries are found', async () => {
    const lost = new Forgetful();
    const doc = kaniko(lost);
    const before = await treeSize();
    await instance(lost, new Capture()).orch.signRun(doc);
    expect(lost.annotations(doc.metadata.name)[A.SIGNED]).toBeUndefined();
    const runs = new MemoryRuns();
    runs.add(doc);
    const store = new Capture();
    const restarted = instance(runs, store);
    expect((await restarted.orch.signRun(runs.get(doc.metadata.name))).status).toBe('signed');
    expect(await treeSize()).toBe(before + 2);
    await expectLoggedOnce(store.stored);
  });

  it('runs completed after the start and never tried are signed without searching the log', async () => {
    const runs = new MemoryRuns();
    const doc = kaniko(runs, new Date(Date.now() + 60_000));
    const fresh = instance(runs, new Capture());
    expect((await fresh.orch.signRun(doc)).status).toBe('signed');
    expect(fresh.searches()).toBe(0);
  });

  it('another key signing the same payload is not reused: a new entry by this key', async () => {
    const runs = new MemoryRuns();
    const doc = kaniko(runs);
    const otherKey = new KeySigner(
      privateKeyMaterial(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey),
    );
    const other = new Orchestrator({
      signer: staticSigner(otherKey),
      payloads: new ChainsPayloadBuilder(() => cfg),
      backends: async () => new Map<string, StorageBackend>([['local', new Capture(true)]]),
      runs,
      tlog: new RekorUploader(new RekorClient(log.url)),
      options: () => cfg,
    });
    await other.signRun(doc);
    const before = await treeSize();
    const store = new Capture();
    expect((await instance(runs, store).orch.signRun(runs.get(doc.metadata.name))).status).toBe('signed');
    expect(await treeSize()).toBe(before + 2);
    const sigs = store.stored.map((r) => r.record.identity);
    expect(sigs.every((i) => i.kind === 'publicKey' && i.publicKeyPem === signer.identity.publicKeyPem)).toBe(
      true,
    );
  });

  it('a log without the search index (501): signed as before', async () => {
    const runs = new MemoryRuns();
    const doc = kaniko(runs);
    const store = new Capture();
    const noIndex: typeof fetch = async (input, init) =>
      String(input).endsWith('/api/v1/index/retrieve')
        ? new Response('{"code":501,"message":"search index is disabled"}', { status: 501 })
        : fetch(input, init);
    const orch = new Orchestrator({
      signer: staticSigner(signer),
      payloads: new ChainsPayloadBuilder(() => cfg),
      backends: async () => new Map<string, StorageBackend>([['local', store]]),
      runs,
      tlog: new RekorUploader(new RekorClient(log.url, { fetch: noIndex })),
      options: () => cfg,
    });
    const before = await treeSize();
    expect((await orch.signRun(doc)).status).toBe('signed');
    expect(await treeSize()).toBe(before + 2);
    expect(store.stored).toHaveLength(2);
  });

  it('the log unreachable for the lookup: a tlog error, nothing signed or stored, the run retries', async () => {
    const runs = new MemoryRuns();
    const doc = kaniko(runs);
    const store = new Capture();
    const orch = new Orchestrator({
      signer: staticSigner(signer),
      payloads: new ChainsPayloadBuilder(() => cfg),
      backends: async () => new Map<string, StorageBackend>([['local', store]]),
      runs,
      tlog: new RekorUploader(new RekorClient('http://127.0.0.1:1', { timeoutMs: 500 })),
      options: () => cfg,
    });
    const out = await orch.signRun(doc);
    expect(out.status).toBe('retry');
    expect(runs.annotations(doc.metadata.name)[A.FAILURE_REASON]).toMatch(
      /^tlog: looking up .* cannot reach/,
    );
    expect(store.stored).toHaveLength(0);
  });
});

describe('the controller wiring', () => {
  it('switchingUploader forwards uploads and payload lookups to the log of the current config', async () => {
    const config = new ConfigStore(
      parseConfig({ 'transparency.enabled': 'true', 'transparency.url': log.url }),
    );
    const up = switchingUploader(config);
    expect(up.url).toBe(log.url);
    const stmt = statement();
    const entry = await up.upload(await signInToto(signer, stmt));
    const found = await up.findByPayload?.(sha256Hex(stmt));
    expect(found?.map((f) => f.entry.uuid)).toEqual([entry.uuid]);
  });

  it('SIGSTORE_REKOR_PUBLIC_KEY pins the log key: another key fails the check, a missing file is CLI_READ', async () => {
    const config = new ConfigStore(
      parseConfig({ 'transparency.enabled': 'true', 'transparency.url': log.url }),
    );
    const wrong = join(work, 'other-log.pub');
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
    writeFileSync(wrong, other.export({ type: 'spki', format: 'pem' }).toString());
    const saved = process.env.SIGSTORE_REKOR_PUBLIC_KEY;
    try {
      process.env.SIGSTORE_REKOR_PUBLIC_KEY = wrong;
      await expect(switchingUploader(config).upload(await imageSig())).rejects.toMatchObject({
        code: 'TLOG_VERIFY',
      });
      process.env.SIGSTORE_REKOR_PUBLIC_KEY = join(work, 'missing.pub');
      await expect(switchingUploader(config).upload(await imageSig())).rejects.toMatchObject({
        code: 'CLI_READ',
      });
    } finally {
      if (saved === undefined) delete process.env.SIGSTORE_REKOR_PUBLIC_KEY;
      else process.env.SIGSTORE_REKOR_PUBLIC_KEY = saved;
    }
  });
});

describe('the controller with P-384, P-521 and Ed25519 keys (cosign hash per key type)', () => {
  const make = (o: Parameters<typeof generateKeyPairSync>[1], type: 'ec' | 'ed25519') =>
    new KeySigner(
      privateKeyMaterial(generateKeyPairSync(type as 'ec', o as { namedCurve: string }).privateKey),
    );
  it.each([
    ['P-521', 'sha512', make({ namedCurve: 'secp521r1' }, 'ec'), true],
    ['Ed25519', 'sha512', make({}, 'ed25519'), true],
    ['P-384', 'sha384', make({ namedCurve: 'secp384r1' }, 'ec'), false],
  ] as const)(
    '%s: the image signature is logged with its %s digest; a restart reuses it when the log can search it',
    async (_name, alg, by, searchable) => {
      const runs = new Forgetful();
      const doc = runs.add(
        finishedKanikoTaskRun({
          name: `kaniko-${randomUUID().slice(0, 6)}`,
          uid: randomUUID(),
          image: '127.0.0.1:5000/kaniko-chains',
          digest: `sha256:${randomBytes(32).toString('hex')}`,
        }),
      );
      const before = await treeSize();
      const store = new Capture();
      expect((await instance(runs, store, undefined, by).orch.signRun(doc)).status).toBe('signed');
      expect(await treeSize()).toBe(before + 2);
      const image = store.stored.find((r) => r.what === 'image-signature')?.record;
      if (!image) throw new Error('no image signature stored');
      expect(image.digestAlgorithm).toBe(alg);
      const entry = await new RekorClient(log.url).getEntryByIndex(before + 1);
      const body = JSON.parse(Buffer.from(entry.body, 'base64').toString()) as {
        spec: { data: { hash: { algorithm: string; value: string } } };
      };
      expect(body.spec.data.hash).toEqual({
        algorithm: alg,
        value: createHash(alg).update(image.bytes).digest('hex'),
      });
      // a restart that lost the marks: the entries are found again (sha512), or signed anew (no sha384 search)
      const again = new MemoryRuns();
      again.add(doc);
      expect(
        (await instance(again, new Capture(), undefined, by).orch.signRun(again.get(doc.metadata.name)))
          .status,
      ).toBe('signed');
      expect(await treeSize()).toBe(before + (searchable ? 2 : 3));
    },
    60_000,
  );
});
