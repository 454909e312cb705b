import { X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../src/oidc/issuer/index.ts';
import { parseRepository, RegistryClient } from '../../src/registry/index.ts';
import { OciReader } from '../../src/storage/oci/reader.ts';
import { Annotation } from '../../src/storage/oci/layout.ts';
import { startStack } from '../../src/stack/index.ts';
import type { RunningStack } from '../../src/stack/index.ts';
import type { TrustedRootJson } from '../../src/trustroot/index.ts';
import { chains } from '../keys/helpers.ts';
import { pushRandomImage } from '../storage/oci/helpers.ts';
import { tempDir } from '../tlog/helpers.ts';

/**
 * Keyless sign / attest / verify / verify-attestation against the stack: the `.sig` and `.att` layers carry
 * cosign's certificate and chain annotations, and verification is by identity and issuer with the trusted root.
 */

const SA = 'default/builder';
const SAN = 'https://kubernetes.io/namespaces/default/serviceaccounts/builder';

const dir = tempDir('keyless-oci-');
let stack: RunningStack;
let image: string;
let repository: string;
let digest: string;
let tokenPath: string;

const run = (args: string[]) => chains(args, { cwd: dir });
const codeOf = (stderr: string): string | undefined => /\[([A-Z_]+)\]\s*$/.exec(stderr.trim())?.[1];

const verifyFlags = (identity = SAN, issuer?: string, root?: string): string[] => [
  '--allow-insecure-registry',
  '--rekor-url',
  stack.urls.rekor,
  '--certificate-identity',
  identity,
  '--certificate-oidc-issuer',
  issuer ?? stack.urls.oidcIssuer,
  '--trusted-root',
  root ?? stack.trustedRootPath,
];
const signFlags = (): string[] => [
  '--allow-insecure-registry',
  '--fulcio-url',
  stack.urls.fulcio,
  '--rekor-url',
  stack.urls.rekor,
  '--identity-token',
  tokenPath,
];

beforeAll(async () => {
  stack = await startStack({
    dir: join(dir, 'stack'),
    ports: { registry: 0, tlog: 0, ca: 0, ctlog: 0, oidc: 0 },
  });
  tokenPath = join(dir, 'token');
  writeFileSync(tokenPath, await mintToken({ dir: stack.dirs.oidc, kubernetesSa: SA }));
  const client = new RegistryClient({ insecure: true });
  const t = await pushRandomImage(client, stack.urls.registryHost, 'keyless/app');
  repository = t.repository;
  digest = t.digest;
  image = `${t.repository}@${t.digest}`;
  const s = await run(['sign', image, ...signFlags()]);
  expect(s.code, s.stderr).toBe(0);
  writeFileSync(join(dir, 'predicate.json'), JSON.stringify({ builder: { id: 'test' } }));
  const a = await run([
    'attest',
    image,
    '--predicate',
    join(dir, 'predicate.json'),
    '--type',
    'slsaprovenance',
    ...signFlags(),
  ]);
  expect(a.code, a.stderr).toBe(0);
}, 120_000);
afterAll(async () => stack?.close());

describe('keyless sign and attest', () => {
  it('the .sig and .att layers carry the certificate and chain annotations as cosign writes them', async () => {
    const reader = new OciReader(new RegistryClient({ insecure: true }));
    const target = { repository, digest };
    for (const layers of [await reader.signatures(target), await reader.attestations(target)]) {
      expect(layers).toHaveLength(1);
      const ann = layers[0]?.annotations ?? {};
      const leaf = new X509Certificate(ann[Annotation.certificate] ?? '');
      expect(leaf.subjectAltName).toBe(`URI:${SAN}`);
      const chain = (ann[Annotation.chain] ?? '').match(
        /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g,
      );
      expect(chain).toHaveLength(2);
      const root = JSON.parse(readFileSync(stack.trustedRootPath, 'utf8')) as TrustedRootJson;
      const inter = new X509Certificate(chain?.[0] ?? '');
      expect(inter.raw.toString('base64')).toBe(
        root.certificateAuthorities[0]?.certChain.certificates[0]?.rawBytes,
      );
      expect(leaf.verify(inter.publicKey)).toBe(true);
      expect(ann[Annotation.bundle]).toBeDefined();
    }
    expect(parseRepository(repository).registry).toBe(stack.urls.registryHost);
  });

  it('--tlog-upload=false is refused keyless', async () => {
    const r = await run(['sign', image, ...signFlags(), '--tlog-upload=false']);
    expect(r.code).toBe(1);
    expect(codeOf(r.stderr)).toBe('KEYLESS_TLOG_REQUIRED');
  });
});

describe('keyless verify and verify-attestation', () => {
  it('verify checks the certificate and prints cosign keyless check list', async () => {
    const r = await run(['verify', image, ...verifyFlags()]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('The following checks were performed on each of these signatures:');
    expect(r.stderr).toContain(
      '  - The code-signing certificate was verified using trusted certificate authority certificates',
    );
    const out = JSON.parse(r.stdout) as { critical: { image: Record<string, string> } }[];
    expect(out[0]?.critical.image['docker-manifest-digest']).toBe(digest);
  });

  it('verify-attestation checks the certificate', async () => {
    const r = await run(['verify-attestation', image, '--type', 'slsaprovenance', ...verifyFlags()]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('code-signing certificate was verified');
    expect(JSON.parse(r.stdout.trim()).payloadType).toBe('application/vnd.in-toto+json');
  });

  it('a wrong identity or issuer is refused, naming the check', async () => {
    const id = await run(['verify', image, ...verifyFlags(`${SAN}x`)]);
    expect(id.code).toBe(1);
    expect(id.stderr).toMatch(/none of the expected identities matched/);
    const iss = await run(['verify-attestation', image, ...verifyFlags(SAN, 'https://other.example')]);
    expect(iss.code).toBe(1);
    expect(iss.stderr).toMatch(/expected oidc issuer not found in certificate/);
  });

  it('a keyless sigstore-bundle referrer (--new-bundle-format) carries the leaf and verifies', async () => {
    const t = await pushRandomImage(
      new RegistryClient({ insecure: true }),
      stack.urls.registryHost,
      'keyless/ref',
    );
    const ref = `${t.repository}@${t.digest}`;
    const s = await run(['sign', ref, '--new-bundle-format', ...signFlags()]);
    expect(s.code, s.stderr).toBe(0);
    const bundles = await new OciReader(new RegistryClient({ insecure: true })).bundles(t);
    expect(bundles).toHaveLength(1);
    const b = JSON.parse(bundles[0]?.bundle.toString('utf8') ?? '{}') as {
      verificationMaterial: { certificate?: { rawBytes: string } };
    };
    expect(
      new X509Certificate(Buffer.from(b.verificationMaterial.certificate?.rawBytes ?? '', 'base64'))
        .subjectAltName,
    ).toBe(`URI:${SAN}`);
    const v = await run(['verify', ref, ...verifyFlags()]);
    expect(v.code, v.stderr).toBe(0);
    const wrong = await run(['verify', ref, ...verifyFlags(`${SAN}x`)]);
    expect(wrong.code).toBe(1);
  });

  it('a trusted root without the log key refuses the SETs', async () => {
    const root = JSON.parse(readFileSync(stack.trustedRootPath, 'utf8')) as TrustedRootJson;
    const p = join(dir, 'other-log.json');
    writeFileSync(p, JSON.stringify({ ...root, tlogs: root.ctlogs }));
    const r = await run(['verify', image, ...verifyFlags(SAN, undefined, p)]);
    expect(r.code).toBe(1);
  });
});
