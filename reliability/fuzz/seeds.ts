import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { decodePemAll, encodePem } from '../../src/core/encoding.ts';
import { finishedKanikoTaskRun } from '../../src/demo/kaniko-run.ts';
import { SCRYPT_PARAMS, encryptPrivateKey, privateKeyMaterial } from '../../src/keys/index.ts';
import { MediaType } from '../../src/registry/manifest.ts';
import { KeySigner, signInToto } from '../../src/signing/index.ts';
import {
  RekorClient,
  proposeIntoto,
  toBundleTlogEntry,
  toCosignBundle,
} from '../../src/tlog/client/index.ts';
import { EntryFactory, sha256Hex } from '../lib/common.ts';

const VECTORS = join(import.meta.dirname, '../../test/vectors');

function vectorFiles(dir: string, ext: RegExp): string[] {
  const d = join(VECTORS, dir);
  if (!existsSync(d)) return [];
  return readdirSync(d)
    .filter((f) => ext.test(f))
    .map((f) => readFileSync(join(d, f), 'utf8'));
}

/** Password of the generated key files (the key-file targets decrypt with it). */
export const PASSWORD = 'fuzz-password';

/** Real inputs made by the project's own code, the mutation seeds of every target. */
export interface Seeds {
  signer: KeySigner;
  pems: string[];
  keyFiles: string[];
  envelopeJson: string[];
  dsse: string[];
  runs: string[];
  runValues: unknown[];
  manifests: unknown[];
  proposals: unknown[];
  entries: unknown[];
  checkpoints: string[];
  bundles: unknown[];
  logKey: string;
}

function manifestSeeds(): unknown[] {
  const d = (mt: string, s: string) => ({ mediaType: mt, digest: `sha256:${sha256Hex(s)}`, size: s.length });
  const image = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: d(MediaType.ociConfig, 'c'),
    layers: [{ ...d('application/vnd.dev.cosign.simplesigning.v1+json', 'l'), annotations: { a: 'b' } }],
    subject: d(MediaType.ociManifest, 's'),
    annotations: { 'org.opencontainers.image.created': '2026-01-01T00:00:00Z' },
  };
  const index = {
    schemaVersion: 2,
    mediaType: MediaType.ociIndex,
    manifests: [{ ...d(MediaType.ociManifest, 'm'), platform: { os: 'linux' } }],
  };
  const docker = { ...image, mediaType: MediaType.dockerManifest, subject: undefined };
  return [image, index, docker];
}

export async function buildSeeds(logUrl: string, logKey: string): Promise<Seeds> {
  const signer = new KeySigner(
    privateKeyMaterial(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey),
  );
  const other = privateKeyMaterial(generateKeyPairSync('ed25519').privateKey);
  const enc = await encryptPrivateKey(other, PASSWORD, SCRYPT_PARAMS.legacy);
  const pkcs8 = encodePem('PRIVATE KEY', other.key.export({ type: 'pkcs8', format: 'der' }));
  const keyFiles = [
    enc,
    pkcs8,
    ...vectorFiles('cosign-keys/encrypted', /\.key$/),
    ...vectorFiles('cosign-keys/plaintext', /\.pem$/),
  ];
  const pems = [
    signer.publicKey.pem,
    logKey,
    ...keyFiles,
    ...vectorFiles('rekor/sigstore-js/client', /\.pem$/),
  ];
  const envelopeJson = decodePemAll(enc).map((b) => b.bytes.toString('utf8'));
  envelopeJson.push(...vectorFiles('cosign-keys/securesystemslib', /\.json$/));
  const digest = `sha256:${sha256Hex(randomUUID())}`;
  const run = finishedKanikoTaskRun({ name: 'fuzz', uid: randomUUID(), image: '127.0.0.1:5000/app', digest });
  const runs = [
    JSON.stringify(run, null, 2),
    toYaml(run),
    ...vectorFiles('chains/examples/kaniko', /\.yaml$/),
    ...vectorFiles('chains/test/testdata/type-hinting', /\.json$/),
  ];
  const statement = JSON.stringify({
    _type: 'https://in-toto.io/Statement/v0.1',
    predicateType: 'https://slsa.dev/provenance/v0.2',
    subject: [{ name: 'x', digest: { sha256: digest.slice(7) } }],
    predicate: {},
  });
  const env = (await signInToto(signer, Buffer.from(statement))).bytes.toString('utf8');
  const dsse = [env, ...vectorFiles('cosign-keys/dsse', /\.json$/)];
  const f = new EntryFactory();
  const proposals: unknown[] = [
    f.dsse(),
    f.hashedRekord(),
    proposeIntoto(env, signer.publicKey.pem, '0.0.1'),
    proposeIntoto(env, signer.publicKey.pem, '0.0.2'),
  ];
  for (const t of vectorFiles('rekor/rekor/pkg/generated/models/testdata', /\.json$/))
    proposals.push(JSON.parse(t));
  const rekor = new RekorClient(logUrl, { logPublicKey: logKey });
  const created = [await rekor.createEntry(f.dsse()), await rekor.createEntry(f.hashedRekord())];
  const entries: unknown[] = [];
  for (const c of created)
    entries.push(JSON.parse(await (await fetch(`${logUrl}/api/v1/log/entries/${c.uuid}`)).text()));
  const checkpoints = created.map((c) => c.verification?.inclusionProof?.checkpoint ?? '');
  const bundles: unknown[] = created.flatMap((c) => [toCosignBundle(c), [toBundleTlogEntry(c)]]);
  return {
    signer,
    pems,
    keyFiles,
    envelopeJson,
    dsse,
    runs,
    runValues: [run],
    manifests: manifestSeeds(),
    proposals,
    entries,
    checkpoints,
    bundles,
    logKey,
  };
}
