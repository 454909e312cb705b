import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLogServer, type RunningLogServer } from '../../../src/tlog/server/index.ts';
import { VECTORS, testRegistries } from '../../setup/env.ts';
import { chains, type Run } from '../../keys/helpers.ts';
import {
  hostOf,
  skopeoCopyIn,
  skopeoInspectRaw,
  uniqueRepo,
  type RegistryKind,
} from '../../registry/helpers.ts';

/** each CLI run decrypts the key (scrypt) and starts tsx: slow on a loaded 2-core machine */
const CLI_TIMEOUT = 300_000;
let dir = '';
/** our transparency log: sign/attest upload to it, verify checks the bundle SET against its key */
let log: RunningLogServer;
const TLOG_COMMANDS = new Set(['sign', 'attest', 'verify', 'verify-attestation']);
const BUNDLE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
// Chains' own e2e key pair (test/vectors/chains/test/testdata, password "p"), read in place
const PASSWORD = readFileSync(`${VECTORS}chains/test/testdata/cosign.password`, 'utf8');
const KEY = `${VECTORS}chains/test/testdata/cosign.key`;
const PUB = `${VECTORS}chains/test/testdata/cosign.pub`;

function dockerConfig(kinds: RegistryKind[]): string {
  const r = testRegistries();
  const auth = Buffer.from(`${r.user}:${r.password}`).toString('base64');
  const d = mkdtempSync(join(tmpdir(), 'chains-docker-'));
  writeFileSync(
    join(d, 'config.json'),
    JSON.stringify({ auths: Object.fromEntries(kinds.map((k) => [r[k], { auth }])) }),
  );
  return d;
}

function run(args: string[], kind: RegistryKind, env: Record<string, string> = {}): Promise<Run> {
  const tls = kind === 'tls' ? ['--ca-cert', testRegistries().caCert] : [];
  const [cmd, ...rest] = args;
  const rekor = TLOG_COMMANDS.has(cmd ?? '') ? ['--rekor-url', log.url] : [];
  return chains([cmd ?? '', ...tls, ...rekor, ...rest], {
    cwd: dir,
    env: { COSIGN_PASSWORD: PASSWORD, DOCKER_CONFIG: dockerConfig(['auth', 'tls']), ...env },
  });
}

afterAll(async () => {
  await log.close();
});

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'chains-e2e-'));
  log = await startLogServer({ dbPath: join(dir, 'log.db'), addr: '127.0.0.1:0' });
  writeFileSync(
    join(dir, 'pred.json'),
    JSON.stringify({ buildType: 'https://tekton.dev/chains/v2/slsa', builder: { id: 'e2e' } }),
  );
});

interface Manifest {
  config: { mediaType: string };
  layers: { mediaType: string; digest: string; annotations: Record<string, string> }[];
}

describe.each(['plain', 'auth', 'tls'] as RegistryKind[])(
  'sign, attest, verify on docker-registry %s',
  (kind) => {
    it(
      'skopeo copies an image in; we sign and attest; skopeo sees cosign tags; verify passes',
      async () => {
        const repo = uniqueRepo('e2e');
        const digest = skopeoCopyIn(kind, hostOf(kind), repo, `image for ${kind}\n`);
        const image = `${hostOf(kind)}/${repo}@${digest}`;
        const signed = await run(['sign', '--key', KEY, image], kind);
        expect(signed.code, signed.stderr).toBe(0);
        const attested = await run(
          ['attest', '--key', KEY, '--predicate', 'pred.json', '--type', 'slsaprovenance1', image],
          kind,
        );
        expect(attested.code, attested.stderr).toBe(0);

        const tag = digest.replace(':', '-');
        const sig = JSON.parse(skopeoInspectRaw(kind, `${hostOf(kind)}/${repo}:${tag}.sig`)) as Manifest;
        expect(sig.config.mediaType).toBe('application/vnd.oci.image.config.v1+json');
        expect(sig.layers).toHaveLength(1);
        expect(sig.layers[0]?.mediaType).toBe('application/vnd.dev.cosign.simplesigning.v1+json');
        expect(sig.layers[0]?.annotations['dev.cosignproject.cosign/signature']).toMatch(
          /^[A-Za-z0-9+/]+=*$/,
        );
        const att = JSON.parse(skopeoInspectRaw(kind, `${hostOf(kind)}/${repo}:${tag}.att`)) as Manifest;
        expect(att.layers[0]?.mediaType).toBe('application/vnd.dsse.envelope.v1+json');
        expect(att.layers[0]?.annotations).toMatchObject({
          'dev.cosignproject.cosign/signature': '',
          predicateType: 'https://slsa.dev/provenance/v1',
        });
        // both layers carry the log's bundle (SET), as cosign writes it
        for (const m of [sig, att]) {
          const bundle = JSON.parse(m.layers[0]?.annotations['dev.sigstore.cosign/bundle'] ?? '{}') as {
            SignedEntryTimestamp?: string;
            Payload?: { logIndex?: number };
          };
          expect(bundle.SignedEntryTimestamp).toMatch(/^[A-Za-z0-9+/]+=*$/);
          expect(typeof bundle.Payload?.logIndex).toBe('number');
        }

        const v = await run(['verify', '--key', PUB, image], kind);
        expect(v.code, v.stderr).toBe(0);
        expect(v.stderr).toContain(`Verification for ${image} --`);
        expect(v.stderr).toContain('  - The signatures were verified against the specified public key');
        expect(v.stderr).toContain(
          '  - Existence of the claims in the transparency log was verified offline',
        );
        const out = JSON.parse(v.stdout) as {
          critical: { image: Record<string, string>; identity: Record<string, string> };
        }[];
        expect(out[0]?.critical.image['docker-manifest-digest']).toBe(digest);
        expect(out[0]?.critical.identity['docker-reference']).toBe(`${hostOf(kind)}/${repo}`);

        const va = await run(['verify-attestation', '--key', PUB, '--type', 'slsaprovenance1', image], kind);
        expect(va.code, va.stderr).toBe(0);
        const env = JSON.parse(va.stdout.trim()) as { payload: string };
        const st = JSON.parse(Buffer.from(env.payload, 'base64').toString()) as {
          subject: { digest: { sha256: string } }[];
          _type: string;
        };
        expect(st.subject[0]?.digest.sha256).toBe(digest.slice(7));
        expect(st._type).toBe('https://in-toto.io/Statement/v0.1');

        const wrongType = await run(['verify-attestation', '--key', PUB, '--type', 'spdx', image], kind);
        expect(wrongType.code).toBe(1);
        expect(wrongType.stderr).toContain(
          'none of the attestations matched the predicate type: https://spdx.dev/Document',
        );

        // signing again with the same key is recognised as a duplicate (cosign's dupe detector)
        expect((await run(['sign', '--key', KEY, image], kind)).code).toBe(0);
        expect(
          (JSON.parse(skopeoInspectRaw(kind, `${hostOf(kind)}/${repo}:${tag}.sig`)) as Manifest).layers,
        ).toHaveLength(1);
      },
      CLI_TIMEOUT,
    );
  },
);

describe('sigstore-bundle referrers through the CLI', () => {
  it(
    'pushes bundle referrers skopeo can see through the tag schema, and verifies them',
    async () => {
      const repo = uniqueRepo('bundle-e2e');
      const digest = skopeoCopyIn('plain', hostOf('plain'), repo, 'bundle image\n');
      const image = `${hostOf('plain')}/${repo}@${digest}`;
      expect((await run(['sign', '--new-bundle-format', '--key', KEY, image], 'plain')).code).toBe(0);
      const att = [
        'attest',
        '--new-bundle-format',
        '--key',
        KEY,
        '--predicate',
        'pred.json',
        '--type',
        'slsaprovenance1',
      ];
      expect((await run([...att, image], 'plain')).code).toBe(0);
      const index = JSON.parse(
        skopeoInspectRaw('plain', `${hostOf('plain')}/${repo}:${digest.replace(':', '-')}`),
      ) as {
        manifests: { digest: string; artifactType: string; annotations: Record<string, string> }[];
      };
      expect(index.manifests.map((m) => m.artifactType)).toEqual([BUNDLE, BUNDLE]);
      expect(index.manifests.map((m) => m.annotations['dev.sigstore.bundle.content'])).toEqual([
        'message-signature',
        'dsse-envelope',
      ]);
      const referrer = JSON.parse(
        skopeoInspectRaw('plain', `${hostOf('plain')}/${repo}@${index.manifests[0]?.digest}`),
      ) as {
        subject: { digest: string };
        config: { mediaType: string };
      };
      expect(referrer.subject.digest).toBe(digest);
      expect(referrer.config.mediaType).toBe('application/vnd.oci.empty.v1+json');
      expect((await run(['verify', '--key', PUB, image], 'plain')).code).toBe(0);
      expect(
        (await run(['verify-attestation', '--key', PUB, '--type', 'slsaprovenance1', image], 'plain')).code,
      ).toBe(0);
    },
    CLI_TIMEOUT,
  );
});

describe('transparency log checks through the CLI', () => {
  it(
    'a signature that was never logged fails verify; --insecure-ignore-tlog skips the check with a warning',
    async () => {
      const repo = uniqueRepo('tlog-e2e');
      const digest = skopeoCopyIn('plain', hostOf('plain'), repo, 'unlogged image\n');
      const image = `${hostOf('plain')}/${repo}@${digest}`;
      const signed = await run(['sign', '--tlog-upload=false', '--key', KEY, image], 'plain');
      expect(signed.code, signed.stderr).toBe(0);
      expect(signed.stderr).not.toContain('tlog entry created');
      const v = await run(['verify', '--key', PUB, image], 'plain');
      expect(v.code).toBe(1);
      expect(v.stderr).toContain('no transparency log entry');
      const skipped = await run(['verify', '--insecure-ignore-tlog', '--key', PUB, image], 'plain');
      expect(skipped.code, skipped.stderr).toBe(0);
      expect(skipped.stderr).toContain('WARNING: Skipping tlog verification');
      expect(skipped.stderr).not.toContain('transparency log was verified');
    },
    CLI_TIMEOUT,
  );
});

describe('bad input through the CLI', () => {
  it(
    'unknown image -> NOT_FOUND',
    async () => {
      const r = await run(['verify', '--key', PUB, `${hostOf('plain')}/nope/never:v1`], 'plain');
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/not found.*\[NOT_FOUND\]/);
    },
    CLI_TIMEOUT,
  );

  it(
    'no credentials for the auth registry -> UNAUTHORIZED, and nothing is pushed',
    async () => {
      const repo = uniqueRepo('noauth');
      const digest = skopeoCopyIn('auth', hostOf('auth'), repo);
      const empty = mkdtempSync(join(tmpdir(), 'chains-nocfg-'));
      const r = await run(['sign', '--key', KEY, `${hostOf('auth')}/${repo}@${digest}`], 'auth', {
        DOCKER_CONFIG: empty,
      });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('[UNAUTHORIZED]');
      const tags = await run(['triangulate', `${hostOf('auth')}/${repo}@${digest}`], 'auth');
      expect(tags.code).toBe(0);
      expect(() => skopeoInspectRaw('auth', tags.stdout.trim())).toThrow();
    },
    CLI_TIMEOUT,
  );

  it(
    'malformed docker config.json -> BAD_CONFIG',
    async () => {
      const d = mkdtempSync(join(tmpdir(), 'chains-badcfg-'));
      mkdirSync(d, { recursive: true });
      writeFileSync(join(d, 'config.json'), '{"auths": {"x": {"auth": "%%%"}}}');
      const r = await run(['verify', '--key', PUB, `${hostOf('plain')}/a/b:v1`], 'plain', {
        DOCKER_CONFIG: d,
      });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('[BAD_CONFIG]');
      writeFileSync(join(d, 'config.json'), '{"auths": ');
      expect(
        (
          await run(['verify', '--key', PUB, `${hostOf('plain')}/a/b:v1`], 'plain', {
            DOCKER_CONFIG: d,
          })
        ).stderr,
      ).toMatch(/config\.json is not valid JSON.*\[BAD_CONFIG\]/);
    },
    CLI_TIMEOUT,
  );

  it(
    'self-signed TLS without --ca-cert -> TLS_ERROR; bad --type -> clear message',
    async () => {
      const r = await chains(['verify', '--key', PUB, `${hostOf('tls')}/a/b:v1`], { cwd: dir });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('[TLS_ERROR]');
      const t = await run(
        [
          'attest',
          '--key',
          KEY,
          '--predicate',
          'pred.json',
          '--type',
          'nonsense',
          `${hostOf('plain')}/a/b:v1`,
        ],
        'plain',
      );
      expect(t.code).toBe(1);
      expect(t.stderr).toContain('invalid predicate type "nonsense"');
    },
    CLI_TIMEOUT,
  );
});
