import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { runChainsCli } from './in-process.ts';
import { pushDemoImage } from '../../src/demo/image.ts';
import * as A from '../../src/controller/annotations.ts';
import { finishedKanikoTaskRun } from '../../src/demo/kaniko-run.ts';
import { sha256Hex } from '../../src/core/hash.ts';
import { generateKeyPair } from '../../src/keys/index.ts';
import { manifestDigests } from '../../src/registry/index-walk.ts';
import { MediaType } from '../../src/registry/manifest.ts';
import { parseRepository } from '../../src/registry/reference.ts';
import { RegistryClient } from '../../src/registry/client.ts';
import { OciReader } from '../../src/storage/oci/reader.ts';
import { testRegistries } from '../setup/env.ts';

/**
 * Image indexes (tektoncd/chains#1070, cosign sign --recursive) against the real docker-registry: a multi-arch
 * OCI index of two images pushed with our client and read back by skopeo, then signed by the CLI and by the
 * controller with artifacts.oci.sign-index-children.
 */
const work = mkdtempSync(join(tmpdir(), 'chains-index-'));
const KEY = join(work, 'cosign.key');
const PUB = join(work, 'cosign.pub');
const client = new RegistryClient();
const host = testRegistries().plain;

beforeAll(async () => {
  const pair = await generateKeyPair('index-pass');
  writeFileSync(KEY, pair.privateKeyPem, { mode: 0o600 });
  writeFileSync(PUB, pair.publicKeyPem);
  process.env.COSIGN_PASSWORD = 'index-pass';
});

interface MultiArch {
  repository: string;
  index: string;
  children: string[];
}

/** Two images (amd64, arm64) and the OCI index listing them, pushed as `:latest`. */
async function pushMultiArch(): Promise<MultiArch> {
  const repository = `${host}/multiarch-${randomUUID().slice(0, 8)}`;
  const repo = parseRepository(repository);
  const children: string[] = [];
  const manifests = [];
  for (const architecture of ['amd64', 'arm64']) {
    const digest = await pushDemoImage(client, repository, architecture, `${repository} ${architecture}\n`);
    const m = await client.getManifest(repo, digest);
    children.push(digest);
    manifests.push({
      mediaType: MediaType.ociManifest,
      digest,
      size: m.bytes.length,
      platform: { architecture, os: 'linux' },
    });
  }
  const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests }));
  const index = await client.putManifest(repo, 'latest', bytes, MediaType.ociIndex);
  return { repository, index, children };
}

const cli = (args: string[]) => runChainsCli([...args, '--insecure-ignore-tlog', '--key', PUB]);
const sigs = async (repository: string, digest: string): Promise<number> =>
  (await new OciReader(client).signatures({ repository, digest })).length;

describe('a multi-arch image index in the real registry', () => {
  it('is an index skopeo reads; the walk lists it, then its children (nested indexes too)', async () => {
    const m = await pushMultiArch();
    const raw = execFileSync('skopeo', [
      'inspect',
      '--raw',
      '--tls-verify=false',
      `docker://${m.repository}:latest`,
    ]);
    expect(`sha256:${sha256Hex(raw)}`).toBe(m.index);
    const repo = parseRepository(m.repository);
    expect(await manifestDigests(client, repo, m.index, { recursive: true })).toEqual([
      m.index,
      ...m.children,
    ]);
    expect(await manifestDigests(client, repo, m.index, { recursive: false })).toEqual([m.index]);
    const outer = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.ociIndex,
        manifests: [{ mediaType: MediaType.ociIndex, digest: m.index, size: raw.length }],
      }),
    );
    const top = await client.putManifest(repo, 'nested', outer, MediaType.ociIndex);
    expect(await manifestDigests(client, repo, top, { recursive: true })).toEqual([
      top,
      m.index,
      ...m.children,
    ]);
  });

  it('CLI: sign signs the index only; verify --recursive then fails; sign --recursive signs every child', async () => {
    const m = await pushMultiArch();
    const ref = `${m.repository}@${m.index}`;
    const signed = await runChainsCli(['sign', '--key', KEY, '--tlog-upload=false', ref]);
    expect(signed.code).toBe(0);
    expect([await sigs(m.repository, m.index), await sigs(m.repository, m.children[0] ?? '')]).toEqual([
      1, 0,
    ]);
    expect((await cli(['verify', ref])).code).toBe(0);
    const partial = await cli(['verify', '--recursive', ref]);
    expect(partial.code).toBe(1);
    expect(partial.stderr).toMatch(/no signatures found for .*@sha256:[a-f0-9]{64} \[NO_SIGNATURES\]/);

    const all = await runChainsCli(['sign', '--key', KEY, '--tlog-upload=false', '--recursive', ref]);
    expect(all.code).toBe(0);
    // the index is not signed twice (cosign's duplicate detector), each child once
    for (const d of [m.index, ...m.children]) expect(await sigs(m.repository, d)).toBe(1);
    const ok = await cli(['verify', '--recursive', ref]);
    expect(ok.code).toBe(0);
    expect(ok.stderr.match(/^Verification for /gm)).toHaveLength(3);
  });

  it.each([
    ['on', 'true', 3],
    ['off', 'false', 1],
  ])(
    'controller with sign-index-children %s (%s): %i of 3 manifests get a .sig and an .att',
    async (_n, on, n) => {
      const m = await pushMultiArch();
      const dir = mkdtempSync(join(work, 'runs-'));
      const cfg = join(work, `cfg-${randomUUID()}.yaml`);
      writeFileSync(
        cfg,
        stringify({
          'artifacts.taskrun.storage': 'oci',
          'artifacts.oci.storage': 'oci',
          'artifacts.oci.sign-index-children': on,
        }),
      );
      const run = finishedKanikoTaskRun({
        name: 'multi',
        uid: randomUUID(),
        image: m.repository,
        digest: m.index,
      });
      writeFileSync(join(dir, 'run.json'), JSON.stringify(run));
      const out = await runChainsCli(['controller', '--local', dir, '--once', '--config', cfg, '--key', KEY]);
      expect(out.code).toBe(0);
      const a = (JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as typeof run).metadata.annotations;
      expect(a?.[A.SIGNED]).toBe('true');
      const reader = new OciReader(client);
      const digests = [m.index, ...m.children];
      const counts = await Promise.all(
        digests.map(async (digest) => {
          const t = { repository: m.repository, digest };
          return (await reader.signatures(t)).length + (await reader.attestations(t)).length;
        }),
      );
      expect(counts.filter((c) => c === 2)).toHaveLength(n);
      // every stored attestation names its own image: verify-attestation checks the subject digest
      const refs = digests.slice(0, n).map((d) => `${m.repository}@${d}`);
      for (const ref of refs) {
        expect((await cli(['verify', ref])).code).toBe(0);
        expect((await cli(['verify-attestation', ref])).code).toBe(0);
      }
      const recursive = await cli(['verify-attestation', '--recursive', `${m.repository}@${m.index}`]);
      expect(recursive.code).toBe(on === 'true' ? 0 : 1);
    },
  );
});
