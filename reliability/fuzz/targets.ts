import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { stringify as toYaml } from 'yaml';
import { parseCheckpoint, verifyCheckpoint } from '../../src/core/checkpoint.ts';
import { decodePemAll, encodePem } from '../../src/core/encoding.ts';
import { parseJson } from '../../src/core/json.ts';
import { hashLeaf } from '../../src/core/merkle.ts';
import { parseConfig } from '../../src/config/index.ts';
import { finishedKanikoTaskRun } from '../../src/controller/kaniko-run.ts';
import {
  SCRYPT_PARAMS,
  decodeKeyPem,
  decryptEnvelope,
  encryptPrivateKey,
  loadPrivateKey,
  loadPublicKey,
  privateKeyMaterial,
} from '../../src/keys/index.ts';
import { parseRun } from '../../src/model/index.ts';
import { parseChallenge } from '../../src/registry/auth.ts';
import { dockerConfigKeychain } from '../../src/registry/keychain.ts';
import { MediaType, parseImageManifest, parseIndex } from '../../src/registry/manifest.ts';
import { parseReference } from '../../src/registry/reference.ts';
import { startRegistryServer } from '../../src/registry/server/server.ts';
import { KeySigner, signInToto } from '../../src/signing/index.ts';
import {
  RekorClient,
  parseEntryRef,
  proposeIntoto,
  toBundleTlogEntry,
  toCosignBundle,
} from '../../src/tlog/client/index.ts';
import type { LogEntry } from '../../src/tlog/client/index.ts';
import { verifyLogEntry } from '../../src/tlog/client/index.ts';
import { acceptProposed, startLogServer } from '../../src/tlog/server/index.ts';
import { verifyDsse } from '../../src/verify/dsse.ts';
import { parseBundleAnnotation, rekorBundleFromTlogEntries } from '../../src/verify/oci-common.ts';
import { EntryFactory, sha256Hex, tempDir } from '../lib/common.ts';
import { fuzzText, mutatedJson, mutatedText } from './mutate.ts';

/** One parser that takes outside input, its generator, and how many inputs the full run gives it. */
export interface Target {
  name: string;
  /** inputs in the full run */
  full: number;
  arb: fc.Arbitrary<string>;
  run(input: string): unknown;
  /** per-input time budget (ms): slower inputs count as hangs */
  budgetMs: number;
  /** not part of the in-process (vitest) set: needs servers or is scrypt-bound */
  heavy?: boolean;
}

const VECTORS = join(import.meta.dirname, '../../../shared/vectors');

function vectorFiles(dir: string, ext: RegExp): string[] {
  const d = join(VECTORS, dir);
  if (!existsSync(d)) return [];
  return readdirSync(d)
    .filter((f) => ext.test(f))
    .map((f) => readFileSync(join(d, f), 'utf8'));
}

const PASSWORD = 'fuzz-password';

interface Seeds {
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

async function buildSeeds(logUrl: string, logKey: string): Promise<Seeds> {
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

const json = (v: unknown): string => JSON.stringify(v);

function parserTargets(s: Seeds): Target[] {
  const pub = s.signer.publicKey;
  const real = s.envelopeJson.map((e) => JSON.parse(e) as { kdf?: object });
  const cheap = real.map((e) => ({ ...e, kdf: { ...e.kdf, params: { N: 1024, r: 8, p: 1 } } }));
  const challenges = [
    'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"',
    'Basic realm="Registry Realm"',
    'Bearer realm="http://127.0.0.1:1/token",error="invalid_token",error_description="a \\"quoted\\" text"',
  ];
  const refs = [
    'busybox',
    'ghcr.io/a/b:v1',
    `localhost:5000/x/y@sha256:${'a'.repeat(64)}`,
    '[::1]:5000/a/b:c',
    'docker.io/library/ubuntu:22.04@sha256:' + 'b'.repeat(64),
  ];
  const configs = [
    {
      auths: {
        'reg.local:5000': { auth: Buffer.from('u:p').toString('base64') },
        'https://index.docker.io/v1/': { identitytoken: 'tok' },
        'ghcr.io': { username: 'u', password: 'p' },
      },
      credsStore: 'x',
    },
  ];
  const configKeys = [
    'artifacts.taskrun.format',
    'artifacts.taskrun.storage',
    'artifacts.oci.storage',
    'artifacts.oci.format',
    'artifacts.pipelinerun.format',
    'artifacts.pipelinerun.storage',
    'transparency.enabled',
    'transparency.url',
    'storage.oci.repository',
    'storage.oci.encoding-format',
    'builder.id',
    'builddefinition.buildtype',
    'artifacts.taskrun.signer',
    'signers.x509.fulcio.enabled',
  ];
  const configValues = [
    'in-toto',
    'slsa/v1',
    'slsa/v2alpha4',
    'tekton,oci',
    'oci',
    'local',
    'true',
    'manual',
    'false',
    '',
    'x509',
    'kms',
    'dsse',
    'sigstore-bundle',
    'https://rekor.local',
    ' tekton , , oci ',
  ];
  return [
    {
      name: 'PEM blocks (decodePemAll)',
      full: 100_000,
      budgetMs: 250,
      arb: fuzzText(s.pems),
      run: (x) => decodePemAll(x),
    },
    {
      name: 'public key PEM (loadPublicKey)',
      full: 60_000,
      budgetMs: 250,
      arb: fuzzText(s.pems),
      run: (x) => loadPublicKey(x),
    },
    {
      name: 'key file PEM (decodeKeyPem)',
      full: 60_000,
      budgetMs: 250,
      arb: fuzzText(s.keyFiles),
      run: (x) => decodeKeyPem(x),
    },
    {
      name: 'key file (loadPrivateKey, scrypt)',
      full: 1_500,
      budgetMs: 5_000,
      heavy: true,
      arb: mutatedText(s.keyFiles),
      run: (x) => loadPrivateKey(x, PASSWORD),
    },
    {
      name: 'key envelope JSON (decryptEnvelope)',
      full: 30_000,
      budgetMs: 5_000,
      arb: fc.oneof(
        // unsupported scrypt N: every path but the key derivation (which the real seed below reaches)
        { arbitrary: fuzzText(cheap.map(json), cheap), weight: 400 },
        { arbitrary: mutatedJson(real), weight: 1 },
      ),
      run: (x) => decryptEnvelope(x, PASSWORD),
    },
    {
      name: 'DSSE envelope JSON (verifyDsse)',
      full: 80_000,
      budgetMs: 250,
      arb: fuzzText(
        s.dsse,
        s.dsse.map((d) => JSON.parse(d)),
      ),
      run: (x) => verifyDsse(x, pub),
    },
    {
      name: 'run JSON/YAML (parseRun)',
      full: 50_000,
      budgetMs: 1_000,
      arb: fuzzText(s.runs, s.runValues),
      run: (x) => parseRun(x),
    },
    {
      name: 'Rekor proposed entry (acceptProposed)',
      full: 60_000,
      budgetMs: 250,
      arb: fuzzText(s.proposals.map(json), s.proposals),
      run: (x) => acceptProposed(parseJson(x, 'proposed entry')),
    },
    {
      name: 'Rekor entry answer (verifyLogEntry)',
      full: 60_000,
      budgetMs: 250,
      arb: fuzzText(s.entries.map(json), s.entries),
      run: (x) => verifyLogEntry(parseJson(x, 'entry') as LogEntry, s.logKey),
    },
    {
      name: 'checkpoint (parseCheckpoint, verifyCheckpoint)',
      full: 80_000,
      budgetMs: 250,
      arb: fuzzText(s.checkpoints),
      run: (x) => (parseCheckpoint(x), verifyCheckpoint(x, loadPublicKey(s.logKey).key)),
    },
    {
      name: 'entry ID (parseEntryRef)',
      full: 50_000,
      budgetMs: 100,
      arb: fuzzText([hashLeaf(Buffer.from('x')).toString('hex'), `24296fb24b8ad77a${'c'.repeat(64)}`]),
      run: (x) => parseEntryRef(x),
    },
    {
      name: 'OCI manifest / index (parseImageManifest, parseIndex)',
      full: 100_000,
      budgetMs: 250,
      arb: fuzzText(s.manifests.map(json), s.manifests),
      run: (x) => {
        const b = Buffer.from(x);
        let ok = 0;
        for (const p of [parseImageManifest, parseIndex]) {
          try {
            p(b);
            ok++;
          } catch (e) {
            if (ok === 0 && p === parseIndex) throw e;
          }
        }
      },
    },
    {
      name: 'docker config.json (dockerConfigKeychain)',
      full: 80_000,
      budgetMs: 250,
      arb: fuzzText(configs.map(json), configs),
      run: async (x) => {
        const k = dockerConfigKeychain(x);
        for (const h of ['reg.local:5000', 'index.docker.io', 'docker.io', 'ghcr.io', '__proto__'])
          await k.resolve(h);
      },
    },
    {
      name: 'WWW-Authenticate (parseChallenge)',
      full: 100_000,
      budgetMs: 100,
      arb: fuzzText(challenges),
      run: (x) => parseChallenge(x),
    },
    {
      name: 'image reference (parseReference)',
      full: 100_000,
      budgetMs: 100,
      arb: fuzzText(refs),
      run: (x) => parseReference(x),
    },
    {
      name: 'chains-config (parseConfig)',
      full: 60_000,
      budgetMs: 100,
      arb: fc
        .dictionary(
          fc.oneof(
            { arbitrary: fc.constantFrom(...configKeys), weight: 5 },
            { arbitrary: fc.string({ maxLength: 30 }), weight: 1 },
          ),
          fc.oneof(
            { arbitrary: fc.constantFrom(...configValues), weight: 3 },
            { arbitrary: fc.string({ maxLength: 30 }), weight: 1 },
          ),
        )
        .map(json),
      run: (x) => parseConfig(JSON.parse(x) as Record<string, string>),
    },
    {
      name: 'cosign bundle annotation (parseBundleAnnotation)',
      full: 60_000,
      budgetMs: 100,
      arb: fuzzText(s.bundles.map(json), s.bundles),
      run: (x) => parseBundleAnnotation(x),
    },
    {
      name: 'bundle tlogEntries (rekorBundleFromTlogEntries)',
      full: 40_000,
      budgetMs: 100,
      arb: fuzzText(s.bundles.map(json), s.bundles),
      run: (x) => rekorBundleFromTlogEntries(parseJson(x, 'tlogEntries')),
    },
  ];
}

/** The two servers' request handlers over HTTP: any body must get a 4xx/2xx, never a 5xx or a dropped server. */
function httpTargets(s: Seeds, logUrl: string, registryUrl: string): Target[] {
  const post = async (
    url: string,
    method: string,
    body: string,
    headers: Record<string, string>,
  ): Promise<void> => {
    const r = await fetch(url, { method, body, headers, signal: AbortSignal.timeout(10_000) });
    await r.arrayBuffer();
    if (r.status >= 500) throw new Error(`HTTP ${r.status} from ${method} ${url}`);
  };
  const parseBoth = async (x: string): Promise<void> => {
    const r = await fetch(x, { signal: AbortSignal.timeout(10_000) }).catch(() => null);
    if (r && r.status >= 500) throw new Error(`HTTP ${r.status} for GET ${x}`);
    await r?.arrayBuffer();
  };
  const paths = [
    `${registryUrl}/v2/a/b/manifests/latest`,
    `${registryUrl}/v2/a/blobs/sha256:${'0'.repeat(64)}`,
    `${registryUrl}/v2/a/tags/list?n=1&last=a`,
    `${logUrl}/api/v1/log/entries?logIndex=0`,
    `${logUrl}/api/v1/log/proof?firstSize=1&lastSize=2`,
    `${logUrl}/tile/0/000`,
  ];
  return [
    {
      name: 'log server HTTP: POST /api/v1/log/entries',
      full: 6_000,
      budgetMs: 2_000,
      heavy: true,
      arb: fuzzText(s.proposals.map(json), s.proposals),
      run: (x) => post(`${logUrl}/api/v1/log/entries`, 'POST', x, { 'content-type': 'application/json' }),
    },
    {
      name: 'registry server HTTP: PUT manifest',
      full: 6_000,
      budgetMs: 2_000,
      heavy: true,
      arb: fuzzText(s.manifests.map(json), s.manifests),
      run: (x) =>
        post(`${registryUrl}/v2/fuzz/app/manifests/latest`, 'PUT', x, {
          'content-type': MediaType.ociManifest,
        }),
    },
    {
      name: 'both servers HTTP: GET paths',
      full: 6_000,
      budgetMs: 2_000,
      heavy: true,
      arb: mutatedText(paths),
      run: parseBoth,
    },
  ];
}

export interface TargetSet {
  targets: Target[];
  close(): Promise<void>;
}

/** Every fuzz target, with seeds made by the real code (keys, envelopes, entries from a live log). */
export async function buildTargets(): Promise<TargetSet> {
  const work = tempDir('fuzz');
  const log = await startLogServer({
    dbPath: join(work, 'log.db'),
    addr: '127.0.0.1:0',
    maxBodyBytes: 64 * 1024,
  });
  const reg = await startRegistryServer({ addr: '127.0.0.1:0' });
  const seeds = await buildSeeds(log.url, log.publicKeyPem);
  return {
    targets: [...parserTargets(seeds), ...httpTargets(seeds, log.url, reg.url)],
    close: async () => (await reg.close(), await log.close()),
  };
}
