import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleFromJSON } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { FulcioSigner, MessageSignatureBundleBuilder, RekorWitness } from '@sigstore/sign';
import type { Signer as SigstoreSigner } from '@sigstore/sign';
import { bundleToJSON } from '@sigstore/bundle';
import { Verifier, toSignedEntity, toTrustMaterial } from '@sigstore/verify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CertificateAuthority, loadCa, startCaServer } from '../../src/ca/index.ts';
import type { RunningCa } from '../../src/ca/index.ts';
import { decodePem, encodePem } from '../../src/core/encoding.ts';
import { signBlobKeyless } from '../../src/keyless/index.ts';
import { EphemeralSigner, type Signer } from '../../src/signing/index.ts';
import { TokenVerifier, singleIssuer } from '../../src/oidc/index.ts';
import { mintToken } from '../../src/oidc/issuer/index.ts';
import { startBackdatedStack } from './backdated-stack.ts';
import type { RunningStack } from '../../src/stack/index.ts';
import { RekorClient } from '../../src/tlog/client/index.ts';
import type { TrustedRootJson } from '../../src/trustroot/index.ts';
import { chains } from '../keys/helpers.ts';
import { tempDir } from '../tlog/helpers.ts';
import { remadeLeaf } from './remake.ts';

/**
 * Keyless blobs through the CLI: `chains sign-blob --bundle` without a key (certificate from the stack's CA, SCT
 * from its CT log, hashedrekord in its log) verified by sigstore-js and by `chains verify-blob --bundle`; a
 * sigstore-js bundle verified by chains; and one refusal per check, each with its own code.
 */

const SA = 'default/builder';
const SAN = 'https://kubernetes.io/namespaces/default/serviceaccounts/builder';
const BLOB = 'hello, keyless blob\n';

const dir = tempDir('keyless-blob-');
const blobPath = join(dir, 'blob.txt');
const bundlePath = join(dir, 'blob.bundle.json');
let stack: RunningStack;
let rootPath: string;
let root: TrustedRootJson;
let tokenPath: string;

const run = (args: string[], env: Record<string, string> = {}) => chains(args, { cwd: dir, env });

/** `chains verify-blob` keyless, with the stack's identity and issuer unless overridden. */
function verifyBlob(bundle: string, extra: string[] = [], file = blobPath) {
  const flags: Record<string, string> = {
    '--certificate-identity': SAN,
    '--certificate-oidc-issuer': stack.urls.oidcIssuer,
    '--trusted-root': rootPath,
  };
  for (let i = 0; i < extra.length; i += 2) flags[extra[i] as string] = extra[i + 1] as string;
  const args = Object.entries(flags).flatMap(([k, v]) => (v === '' ? [k] : [k, v]));
  return run(['verify-blob', file, '--bundle', bundle, ...args.filter((a) => a !== '-')]);
}

function writeRoot(name: string, r: TrustedRootJson): string {
  const p = join(dir, name);
  writeFileSync(p, JSON.stringify(r));
  return p;
}

beforeAll(async () => {
  stack = await startBackdatedStack(dir);
  rootPath = stack.trustedRootPath;
  root = JSON.parse(readFileSync(rootPath, 'utf8')) as TrustedRootJson;
  writeFileSync(blobPath, BLOB);
  tokenPath = join(dir, 'token');
  writeFileSync(tokenPath, await mintToken({ dir: stack.dirs.oidc, kubernetesSa: SA }));
  const u = stack.urls;
  const signed = await run([
    'sign-blob',
    blobPath,
    '--bundle',
    bundlePath,
    '--fulcio-url',
    u.fulcio,
    '--rekor-url',
    u.rekor,
    '--identity-token',
    tokenPath,
  ]);
  expect(signed.stderr).toMatch(/tlog entry created with index: \d+/);
  expect(signed.code).toBe(0);
}, 120_000);
afterAll(async () => stack?.close());

const codeOf = (stderr: string): string | undefined => /\[([A-Z_]+)\]\s*$/.exec(stderr.trim())?.[1];

describe('keyless sign-blob --bundle', () => {
  it('sigstore-js verifies the bundle with the chains trusted root (SAN, issuer, ctlog 1, tlog 1)', () => {
    const bundle = bundleFromJSON(JSON.parse(readFileSync(bundlePath, 'utf8')));
    const v = new Verifier(toTrustMaterial(TrustedRoot.fromJSON(root)), {
      ctlogThreshold: 1,
      tlogThreshold: 1,
    });
    const signer = v.verify(toSignedEntity(bundle, Buffer.from(BLOB)), {
      subjectAlternativeName: SAN,
      extensions: { issuer: stack.urls.oidcIssuer },
    });
    expect(signer.identity?.subjectAlternativeName).toBe(SAN);
    expect(() => v.verify(toSignedEntity(bundle, Buffer.from(`${BLOB}x`)))).toThrow();
  });

  it('chains verify-blob --bundle verifies it', async () => {
    const r = await verifyBlob(bundlePath);
    expect(r.stderr).toBe('Verified OK\n');
    expect(r.code).toBe(0);
    const re = await verifyBlob(bundlePath, [
      '--certificate-identity',
      '-',
      '--certificate-identity-regexp',
      '^https://kubernetes\\.io/namespaces/default/',
      '--certificate-oidc-issuer',
      '-',
      '--certificate-oidc-issuer-regexp',
      '^http://127\\.0\\.0\\.1:',
    ]);
    expect(re.code, re.stderr).toBe(0);
  });

  it('--identity-token takes the token text or a file; SIGSTORE_ID_TOKEN without it; --tlog-upload=false is refused', async () => {
    const u = stack.urls;
    const token = await mintToken({ dir: stack.dirs.oidc, kubernetesSa: SA });
    const b2 = join(dir, 'env.bundle.json');
    const r = await run(
      ['sign-blob', blobPath, '--bundle', b2, '--fulcio-url', u.fulcio, '--rekor-url', u.rekor],
      { SIGSTORE_ID_TOKEN: token },
    );
    expect(r.code, r.stderr).toBe(0);
    expect((await verifyBlob(b2)).code).toBe(0);
    const off = await run(
      ['sign-blob', blobPath, '--fulcio-url', u.fulcio, '--rekor-url', u.rekor, '--tlog-upload=false'],
      { SIGSTORE_ID_TOKEN: token },
    );
    expect(off.code).toBe(1);
    expect(codeOf(off.stderr)).toBe('KEYLESS_TLOG_REQUIRED');
    const none = await run(['sign-blob', blobPath, '--fulcio-url', u.fulcio, '--rekor-url', u.rekor]);
    expect(codeOf(none.stderr)).toBe('KEYLESS_TOKEN');
    // --identity-token as the token text itself, winning over SIGSTORE_ID_TOKEN (cosign ReadIdentityToken)
    const b3 = join(dir, 'text.bundle.json');
    const text = await run(
      [
        'sign-blob',
        blobPath,
        '--bundle',
        b3,
        '--fulcio-url',
        u.fulcio,
        '--rekor-url',
        u.rekor,
        '--identity-token',
        token,
      ],
      { SIGSTORE_ID_TOKEN: 'not-a-token' },
    );
    expect(text.code, text.stderr).toBe(0);
    expect((await verifyBlob(b3)).code).toBe(0);
    const bad = await run(
      [
        'sign-blob',
        blobPath,
        '--fulcio-url',
        u.fulcio,
        '--rekor-url',
        u.rekor,
        '--identity-token',
        'not-a-token',
      ],
      { SIGSTORE_ID_TOKEN: token },
    );
    expect(bad.stderr).toMatch(/not a compact JWS/);
    expect(codeOf(bad.stderr)).toBe('KEYLESS_TOKEN');
  });

  it('a keyless bundle made by sigstore-js verifies with chains verify-blob --bundle', async () => {
    const token = await mintToken({ dir: stack.dirs.oidc, kubernetesSa: SA });
    const signer: SigstoreSigner = new FulcioSigner({
      fulcioBaseURL: stack.urls.fulcio,
      identityProvider: { getToken: async () => token },
    });
    const witnesses = [new RekorWitness({ rekorBaseURL: stack.urls.rekor })];
    const b = await new MessageSignatureBundleBuilder({ signer, witnesses }).create({
      data: Buffer.from(BLOB),
    });
    const p = join(dir, 'js.bundle.json');
    writeFileSync(p, JSON.stringify(bundleToJSON(b)));
    const r = await verifyBlob(p);
    expect(r.stderr).toBe('Verified OK\n');
    expect(r.code).toBe(0);
  });
});

describe('verify-blob --key with a certificate', () => {
  it('uses only its public key and says the certificate was not checked', async () => {
    const u = stack.urls;
    const [cert, sig] = [join(dir, 'leaf.pem'), join(dir, 'blob.sig')];
    const s = await run([
      'sign-blob',
      blobPath,
      '--fulcio-url',
      u.fulcio,
      '--rekor-url',
      u.rekor,
      '--identity-token',
      tokenPath,
      '--output-certificate',
      cert,
      '--output-signature',
      sig,
    ]);
    expect(s.code, s.stderr).toBe(0);
    const r = await run(['verify-blob', blobPath, '--key', cert, '--signature', sig]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/WARNING: .*leaf\.pem is a certificate: .*NOT checked/);
    expect(r.stderr).toMatch(/Verified OK\n$/);
  });
});

describe('keyless verify-blob refuses, one code per check', () => {
  it('requires an identity and an issuer', async () => {
    const r = await run(['verify-blob', blobPath, '--bundle', bundlePath, '--trusted-root', rootPath]);
    expect(codeOf(r.stderr)).toBe('KEYLESS_POLICY');
  });

  it('an unreadable --trusted-root (CLI_READ, as every file the CLI reads)', async () => {
    const r = await verifyBlob(bundlePath, ['--trusted-root', join(dir, 'missing-root.json')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot read trusted root .*missing-root\.json: no such file/);
    expect(codeOf(r.stderr)).toBe('CLI_READ');
  });

  it('wrong identity', async () => {
    const r = await verifyBlob(bundlePath, ['--certificate-identity', `${SAN}x`]);
    expect(r.code).toBe(1);
    expect(codeOf(r.stderr)).toBe('KEYLESS_IDENTITY');
  });

  it('wrong issuer', async () => {
    const r = await verifyBlob(bundlePath, ['--certificate-oidc-issuer', 'https://issuer.example']);
    expect(codeOf(r.stderr)).toBe('KEYLESS_ISSUER');
  });

  it('a chain to another root (a second chains ca init)', async () => {
    const other = join(dir, 'other-ca');
    expect((await run(['ca', 'init', '--dir', other, '--curve', 'P-256'])).code).toBe(0);
    const der = (f: string): string =>
      readFileSync(join(other, f), 'utf8').replace(/-----[A-Z ]+-----|\s/g, '');
    const ca = root.certificateAuthorities[0];
    if (!ca) throw new Error('no CA in the trusted root');
    const otherRoot = writeRoot('other-ca-root.json', {
      ...root,
      certificateAuthorities: [
        {
          ...ca,
          certChain: { certificates: [{ rawBytes: der('intermediate.pem') }, { rawBytes: der('root.pem') }] },
        },
      ],
    });
    const r = await verifyBlob(bundlePath, ['--trusted-root', otherRoot]);
    expect(codeOf(r.stderr)).toBe('KEYLESS_CHAIN');
  });

  it('an SCT from a CT log the trusted root does not name (forged / unknown log)', async () => {
    const r = await verifyBlob(bundlePath, [
      '--trusted-root',
      writeRoot('other-ct.json', { ...root, ctlogs: root.tlogs }),
    ]);
    expect(codeOf(r.stderr)).toBe('KEYLESS_SCT');
  });

  it('a certificate re-made by the same CA with a forged SCT (its signature changed)', async () => {
    const b = JSON.parse(readFileSync(bundlePath, 'utf8')) as {
      verificationMaterial: { certificate: { rawBytes: string } };
    };
    const leaf = encodePem('CERTIFICATE', Buffer.from(b.verificationMaterial.certificate.rawBytes, 'base64'));
    const forged = decodePem(await remadeLeaf(stack.dirs.ca, leaf, 'forge')).bytes.toString('base64');
    b.verificationMaterial.certificate.rawBytes = forged;
    const p = join(dir, 'forged-sct.bundle.json');
    writeFileSync(p, JSON.stringify(b));
    const r = await verifyBlob(p);
    expect(r.stderr).toMatch(/SCT check failed/);
    expect(codeOf(r.stderr)).toBe('KEYLESS_SCT');
  });

  describe('a certificate without an SCT (the same CA, serving without a CT log)', () => {
    let noCt: RunningCa;
    const p = join(dir, 'no-sct.bundle.json');
    beforeAll(async () => {
      const verifier = new TokenVerifier(
        singleIssuer({ issuerUrl: stack.urls.oidcIssuer, clientId: 'sigstore', type: 'kubernetes' }),
      );
      noCt = await startCaServer(new CertificateAuthority(await loadCa(stack.dirs.ca), verifier), {
        addr: '127.0.0.1:0',
      });
      const r = await run([
        'sign-blob',
        blobPath,
        '--bundle',
        p,
        '--fulcio-url',
        noCt.url,
        '--rekor-url',
        stack.urls.rekor,
        '--identity-token',
        tokenPath,
      ]);
      expect(r.code, r.stderr).toBe(0);
    });
    afterAll(async () => noCt?.close());

    it('is refused with KEYLESS_SCT', async () => {
      const r = await verifyBlob(p);
      expect(codeOf(r.stderr)).toBe('KEYLESS_SCT');
    });

    it('passes with --insecure-ignore-sct, which says it is insecure', async () => {
      const r = await verifyBlob(p, ['--insecure-ignore-sct', '']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/insecure/);
    });
  });

  it('a log entry integrated after the certificate expired', async () => {
    // the CA and the OIDC issuer run in this process: issue the token and the 10-minute certificate 20 minutes ago
    // and sign then (the key refuses to sign after notAfter); the entry is integrated now, after it expired
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() - 20 * 60_000 });
    let signer: Signer;
    try {
      const token = await mintToken({ dir: stack.dirs.oidc, kubernetesSa: SA });
      const s = await EphemeralSigner.certify(stack.urls.fulcio, token);
      const sig = await s.sign(Buffer.from(BLOB));
      const { identity, publicKey, digestAlgorithm } = s;
      signer = { identity, publicKey, digestAlgorithm, sign: async () => sig, signMessage: async () => sig };
    } finally {
      vi.useRealTimers();
    }
    const r = await signBlobKeyless(Buffer.from(BLOB), signer, new RekorClient(stack.urls.rekor));
    const p = join(dir, 'expired.bundle.json');
    writeFileSync(p, JSON.stringify(r.bundle));
    const v = await verifyBlob(p);
    expect(codeOf(v.stderr)).toBe('KEYLESS_TLOG_TIME');
  });

  it('a log entry the trusted root does not vouch for', async () => {
    const r = await verifyBlob(bundlePath, [
      '--trusted-root',
      writeRoot('no-tlog.json', { ...root, tlogs: [] }),
    ]);
    expect(codeOf(r.stderr)).toBe('KEYLESS_TLOG');
  });

  it('a tampered payload', async () => {
    const tampered = join(dir, 'tampered.txt');
    writeFileSync(tampered, `${BLOB}!`);
    const r = await verifyBlob(bundlePath, [], tampered);
    expect(codeOf(r.stderr)).toBe('KEYLESS_SIGNATURE');
  });
});

describe('keyless sign-dsse --bundle and verify-dsse', () => {
  const statement = join(dir, 'statement.json');
  const dsseBundle = join(dir, 'dsse.bundle.json');
  beforeAll(async () => {
    writeFileSync(statement, JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', subject: [] }));
    const u = stack.urls;
    const r = await run([
      'sign-dsse',
      statement,
      '--bundle',
      dsseBundle,
      '--fulcio-url',
      u.fulcio,
      '--rekor-url',
      u.rekor,
      '--identity-token',
      tokenPath,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).payloadType).toBe('application/vnd.in-toto+json');
  });

  it('sigstore-js verifies the DSSE bundle; chains verify-dsse verifies it and writes the payload', async () => {
    const bundle = bundleFromJSON(JSON.parse(readFileSync(dsseBundle, 'utf8')));
    const v = new Verifier(toTrustMaterial(TrustedRoot.fromJSON(root)), {
      ctlogThreshold: 1,
      tlogThreshold: 1,
    });
    v.verify(toSignedEntity(bundle), {
      subjectAlternativeName: SAN,
      extensions: { issuer: stack.urls.oidcIssuer },
    });
    const out = join(dir, 'payload.out');
    const r = await run([
      'verify-dsse',
      dsseBundle,
      '--trusted-root',
      rootPath,
      '--certificate-identity',
      SAN,
      '--certificate-oidc-issuer',
      stack.urls.oidcIssuer,
      '--output-payload',
      out,
    ]);
    expect(r.stderr).toBe('Verified OK\n');
    expect(readFileSync(out)).toEqual(readFileSync(statement));
  });

  it('refuses another identity, and a blob bundle', async () => {
    const flags = ['--trusted-root', rootPath, '--certificate-oidc-issuer', stack.urls.oidcIssuer];
    const id = await run(['verify-dsse', dsseBundle, '--certificate-identity', `${SAN}x`, ...flags]);
    expect(codeOf(id.stderr)).toBe('KEYLESS_IDENTITY');
    const blob = await run(['verify-dsse', bundlePath, '--certificate-identity', SAN, ...flags]);
    expect(codeOf(blob.stderr)).toBe('KEYLESS_BUNDLE');
  });
});
