import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasCode } from '../../core/errors.ts';
import { privateKeyMaterial } from '../../keys/index.ts';
import { KeySigner, signInToto, signSimpleSigning } from '../../signing/index.ts';
import type { StoreRequest } from '../backend.ts';
import { runStorageContract } from '../contract.ts';
import { LocalBackend } from './local.ts';

const contractDir = mkdtempSync(join(tmpdir(), 'chains-local-contract-'));

const signer = new KeySigner(
  privateKeyMaterial(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey),
);
const digest = `sha256:${'cd'.repeat(32)}`;
const fresh = () => new LocalBackend(mkdtempSync(join(tmpdir(), 'chains-local-')));

async function imageReq(note?: string, name = 'build-1'): Promise<StoreRequest> {
  const record = await signSimpleSigning(signer, 'reg.local/app', digest, note ? { note } : undefined);
  const run = { kind: 'TaskRun' as const, namespace: 'default', name, uid: randomUUID() };
  return {
    what: 'image-signature',
    run,
    record,
    image: { repository: 'reg.local/app', digest },
    shortKey: 'cdcdcdcdcdcd',
    format: 'simplesigning',
  };
}

describe('local storage', () => {
  it('stores payload, signature and meta, and reads them back', async () => {
    const b = fresh();
    const statement = Buffer.from('{"_type":"https://in-toto.io/Statement/v0.1"}');
    const run = { kind: 'TaskRun' as const, namespace: 'ns', name: 'r', uid: randomUUID() };
    const req: StoreRequest = {
      what: 'attestation',
      run,
      record: {
        ...(await signInToto(signer, statement)),
        bundle: {
          SignedEntryTimestamp: 'c2V0',
          Payload: { body: 'Ym9keQ==', integratedTime: 1, logIndex: 7, logID: 'ab' },
        },
      },
      predicateType: 'https://slsa.dev/provenance/v0.2',
      subjects: [{ repository: 'reg.local/app', digest }],
      shortKey: `taskrun-${run.uid}`,
      format: 'in-toto',
    };
    const res = await b.store(req);
    expect(res.locations[1]).toContain(join('runs', 'ns', 'taskrun', 'r', `taskrun-${run.uid}`));
    expect(res.locations[0]).toContain(join('images', `sha256-${'cd'.repeat(32)}`, 'attestations'));
    const [entry] = await b.read(req, req.what === 'attestation' ? req.subjects[0] : undefined);
    expect(entry?.bytes).toEqual(req.record.bytes);
    expect(entry?.signature).toBe(req.record.signature);
    const meta = JSON.parse(readFileSync(join(entry?.dir ?? '', 'meta.json'), 'utf8'));
    expect(meta).toMatchObject({ what: 'attestation', format: 'in-toto', subjects: [{ digest }] });
    expect(JSON.parse(readFileSync(join(entry?.dir ?? '', 'bundle.json'), 'utf8')).Payload.logIndex).toBe(7);
  });

  it('does not store an identical record twice and appends a different one in order', async () => {
    const b = fresh();
    const first = await imageReq('first');
    await b.store(first);
    await b.store(first);
    const second = { ...(await imageReq('second')), run: first.run };
    await b.store(second);
    const got = await b.read(first);
    expect(got.map((g) => JSON.parse(g.bytes.toString()).optional.note)).toEqual(['first', 'second']);
    expect(readdirSync(b.runPath(first)).some((n) => n.includes('.tmp'))).toBe(false);
  });

  it.each([['..'], ['a/b'], ['x y']])('refuses an unsafe run name %j', async (name) => {
    const err = await fresh()
      .store(await imageReq(undefined, name))
      .catch((e: unknown) => e);
    expect(hasCode(err, 'LOCAL_STORE_FAILED')).toBe(true);
  });

  it('reports an unwritable directory with a coded error', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'chains-local-')), 'not-a-dir');
    writeFileSync(file, 'x');
    const err = await new LocalBackend(file).store(await imageReq()).catch((e: unknown) => e);
    expect(hasCode(err, 'LOCAL_STORE_FAILED')).toBe(true);
    expect((err as Error).message).toMatch(/cannot write/);
  });
});

runStorageContract({
  storage: 'local',
  name: 'local',
  backend: () => new LocalBackend(contractDir),
  image: async () => ({
    repository: 'reg.local/contract',
    digest: `sha256:${randomBytes(32).toString('hex')}`,
  }),
  read: async (req, subject) =>
    (await new LocalBackend(contractDir).read(req, subject)).map(({ bytes, signature }) => ({
      bytes,
      signature,
    })),
  storesRunPayload: true,
  repeated: 'append',
});
