import fc from 'fast-check';
import { parseJson } from '../../src/core/json.ts';
import { parseConfig } from '../../src/config/index.ts';
import { parseRun } from '../../src/model/index.ts';
import { parseChallenge } from '../../src/registry/auth.ts';
import { dockerConfigKeychain } from '../../src/registry/docker-config.ts';
import { parseImageManifest, parseIndex } from '../../src/registry/manifest.ts';
import { parseReference } from '../../src/registry/reference.ts';
import { parseBundleAnnotation, rekorBundleFromTlogEntries } from '../../src/verify/oci-common.ts';
import { fuzzText } from './mutate.ts';
import type { Seeds } from './seeds.ts';
import type { Target } from './targets.ts';

const json = (v: unknown): string => JSON.stringify(v);

/** Documents and headers: runs, manifests, docker config.json, WWW-Authenticate, references, config, bundles. */
export function documentTargets(s: Seeds): Target[] {
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
      name: 'run JSON/YAML (parseRun)',
      full: 50_000,
      budgetMs: 1_000,
      arb: fuzzText(s.runs, s.runValues),
      run: (x) => parseRun(x),
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
