import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runChainsCli } from './in-process.ts';
import { pushDemoImage } from '../../src/demo/image.ts';
import { generateKeyPair } from '../../src/keys/index.ts';
import { parseRepository } from '../../src/registry/reference.ts';
import { RegistryClient } from '../../src/registry/client.ts';
import { DSSE_MEDIA_TYPE, cosignTag, layerDescriptor } from '../../src/storage/oci/layout.ts';
import { appendLayer } from '../../src/storage/oci/legacy.ts';
import { OciReader } from '../../src/storage/oci/reader.ts';
import { testRegistries } from '../setup/env.ts';

/** `attest --replace` as cosign: attestations of the new one's predicate type are dropped from the `.att` tag. */
const work = mkdtempSync(join(tmpdir(), 'chains-replace-'));
const KEY = join(work, 'cosign.key');
const PUB = join(work, 'cosign.pub');
const PRED = join(work, 'pred.json');
const client = new RegistryClient();
const SLSA1 = 'https://slsa.dev/provenance/v1';
const CUSTOM = 'https://cosign.sigstore.dev/attestation/v1';

beforeAll(async () => {
  const pair = await generateKeyPair('replace-pass');
  writeFileSync(KEY, pair.privateKeyPem, { mode: 0o600 });
  writeFileSync(PUB, pair.publicKeyPem);
  process.env.COSIGN_PASSWORD = 'replace-pass';
});

async function image(): Promise<{ ref: string; repository: string; digest: string }> {
  const repository = `${testRegistries().plain}/replace-${randomUUID().slice(0, 8)}`;
  const digest = await pushDemoImage(client, repository, 'latest', `${repository}\n`);
  return { ref: `${repository}@${digest}`, repository, digest };
}

async function attest(ref: string, type: string, n: number, ...extra: string[]) {
  writeFileSync(PRED, JSON.stringify({ n }));
  const args = [
    'attest',
    '--key',
    KEY,
    '--predicate',
    PRED,
    '--type',
    type,
    '--tlog-upload=false',
    ...extra,
    ref,
  ];
  return runChainsCli(args);
}

/** Predicate types and `n` of the stored attestations, in layer order. */
async function stored(repository: string, digest: string): Promise<string[]> {
  const layers = await new OciReader(client).attestations({ repository, digest });
  return layers.map((l) => {
    const env = JSON.parse(l.bytes.toString()) as { payload: string };
    const st = JSON.parse(Buffer.from(env.payload, 'base64').toString()) as {
      predicateType: string;
      predicate: { n?: number; Data?: string };
    };
    return `${st.predicateType} ${st.predicate.n ?? JSON.parse(st.predicate.Data ?? '{}').n}`;
  });
}

describe('attest --replace', () => {
  it('drops every attestation of the same predicate type, keeps the others, puts the new one first', async () => {
    const img = await image();
    for (const [type, n] of [
      ['slsaprovenance1', 1],
      ['custom', 2],
      ['slsaprovenance1', 3],
    ] as const)
      expect((await attest(img.ref, type, n)).code).toBe(0);
    expect(await stored(img.repository, img.digest)).toEqual([`${SLSA1} 1`, `${CUSTOM} 2`, `${SLSA1} 3`]);
    const r = await attest(img.ref, 'slsaprovenance1', 4, '--replace');
    expect(r.code).toBe(0);
    expect(await stored(img.repository, img.digest)).toEqual([`${SLSA1} 4`, `${CUSTOM} 2`]);
    expect(r.stderr).toContain(
      'Flag --replace has been deprecated, not needed when OCI referrers become the default behavior',
    );
    expect(r.stderr.split('\n').filter((l) => /replacing attestation predicate/i.test(l))).toEqual([
      `Replacing attestation predicate: ${SLSA1}`,
      `Not replacing attestation predicate: ${CUSTOM}`,
      `Replacing attestation predicate: ${SLSA1}`,
    ]);
    const v = await runChainsCli([
      'verify-attestation',
      '--insecure-ignore-tlog',
      '--key',
      PUB,
      '--type',
      'slsaprovenance1',
      img.ref,
    ]);
    expect(v.code).toBe(0);
    expect(v.stdout.trim().split('\n')).toHaveLength(1);
  });

  it('on an image without attestations it is a plain attest', async () => {
    const img = await image();
    expect((await attest(img.ref, 'custom', 7, '--replace')).code).toBe(0);
    expect(await stored(img.repository, img.digest)).toEqual([`${CUSTOM} 7`]);
  });

  it('a stored layer that is not an attestation fails with BAD_RECORD and leaves the tag as it was', async () => {
    const img = await image();
    expect((await attest(img.ref, 'custom', 1)).code).toBe(0);
    const junk = Buffer.from('not a DSSE envelope');
    const repo = parseRepository(img.repository);
    const tag = cosignTag(img.digest, 'att');
    await appendLayer(client, repo, tag, {
      descriptor: layerDescriptor(DSSE_MEDIA_TYPE, junk, {}),
      bytes: junk,
    });
    const before = (await client.getManifest(repo, tag)).digest;
    const r = await attest(img.ref, 'custom', 2, '--replace');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/layer sha256:[a-f0-9]{64}: not an attestation: .*\[BAD_RECORD\]/);
    expect((await client.getManifest(repo, tag)).digest).toBe(before);
  });
});
