import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { INTOTO_PAYLOAD_TYPE } from '../../src/core/payload-types.ts';
import { EphemeralSigner } from '../../src/signing/index.ts';
import { mintToken } from '../../src/oidc/issuer/index.ts';
import { RegistryClient, parseRepository } from '../../src/registry/index.ts';
import { pushBlob } from '../../src/registry/upload.ts';
import { signDsse, signSimpleSigning } from '../../src/signing/index.ts';
import { startBackdatedStack } from './backdated-stack.ts';
import type { RunningStack } from '../../src/stack/index.ts';
import type { ImageTarget, RunRef } from '../../src/storage/backend.ts';
import { OciStorageBackend } from '../../src/storage/oci/backend.ts';
import { Annotation, cosignConfig, cosignManifest, cosignTag } from '../../src/storage/oci/layout.ts';
import { uploadToLog } from '../../src/cli/tlog-wiring.ts';
import type { TrustedRootJson } from '../../src/trustroot/index.ts';
import { chains } from '../keys/helpers.ts';
import { testRegistries } from '../setup/env.ts';
import { pushRandomImage } from '../storage/oci/helpers.ts';
import { tempDir } from '../tlog/helpers.ts';
import { remadeLeaf } from './remake.ts';

/**
 * Keyless `verify` and `verify-attestation` of images in the Debian registry, refused one check at a time:
 * each refusal names its check with its own code, in cosign's words ("no matching signatures: …").
 */

const SA = 'default/builder';
const SAN = 'https://kubernetes.io/namespaces/default/serviceaccounts/builder';
const SLSA02 = 'https://slsa.dev/provenance/v0.2';
const RUN: RunRef = { kind: 'TaskRun', namespace: '', name: 'test', uid: '' };

const dir = tempDir('keyless-oci-checks-');
const client = new RegistryClient({ insecure: true });
let stack: RunningStack;
let root: TrustedRootJson;
let tokenPath: string;

const run = (args: string[]) => chains(args, { cwd: dir });
const codeOf = (stderr: string): string | undefined => /\[([A-Z_]+)\]\s*$/.exec(stderr.trim())?.[1];
const ref = (t: ImageTarget): string => `${t.repository}@${t.digest}`;
const fresh = (): Promise<ImageTarget> =>
  pushRandomImage(client, testRegistries().plain, `keyless-checks/${Math.random().toString(36).slice(2)}`);

function verifyArgs(o: { identity?: string; issuer?: string; root?: string } = {}): string[] {
  return [
    '--allow-insecure-registry',
    '--rekor-url',
    stack.urls.rekor,
    '--certificate-identity',
    o.identity ?? SAN,
    '--certificate-oidc-issuer',
    o.issuer ?? stack.urls.oidcIssuer,
    '--trusted-root',
    o.root ?? stack.trustedRootPath,
  ];
}

/** `verify` and `verify-attestation` of one image with the same flags. */
async function verifyBoth(t: ImageTarget, args: string[]) {
  const sig = await run(['verify', ref(t), ...args]);
  const att = await run(['verify-attestation', ref(t), '--type', 'slsaprovenance02', ...args]);
  return { sig, att };
}

/** Keyless sign and attest with the CLI (the stack's CA, CT log and log). */
async function signAndAttest(t: ImageTarget, fulcio = stack.urls.fulcio): Promise<void> {
  const flags = ['--allow-insecure-registry', '--fulcio-url', fulcio, '--rekor-url', stack.urls.rekor];
  const s = await run(['sign', ref(t), ...flags, '--identity-token', tokenPath]);
  expect(s.code, s.stderr).toBe(0);
  const a = await run([
    'attest',
    ref(t),
    '--predicate',
    join(dir, 'predicate.json'),
    '--type',
    'slsaprovenance02',
    ...flags,
    '--identity-token',
    tokenPath,
  ]);
  expect(a.code, a.stderr).toBe(0);
}

type Layer = { mediaType: string; size: number; digest: string; annotations: Record<string, string> };

/** Rewrite the `.sig` or `.att` manifest of `t` (what anyone with push rights to the repository can do). */
async function tamper(t: ImageTarget, suffix: 'sig' | 'att', edit: (l: Layer) => Promise<Layer>) {
  const repo = parseRepository(t.repository);
  const tag = cosignTag(t.digest, suffix);
  const m = JSON.parse((await client.getManifest(repo, tag)).bytes.toString()) as { layers: Layer[] };
  const layers = await Promise.all(m.layers.map(edit));
  const config = cosignConfig(layers);
  await pushBlob(client, repo, config);
  await client.putManifest(repo, tag, cosignManifest(config, layers));
}

/** Replace the certificate annotation of both layers with a re-made leaf. */
async function swapCertificates(t: ImageTarget, edit: 'drop' | 'forge'): Promise<void> {
  for (const suffix of ['sig', 'att'] as const)
    await tamper(t, suffix, async (l) => ({
      ...l,
      annotations: {
        ...l.annotations,
        [Annotation.certificate]: await remadeLeaf(
          stack.dirs.ca,
          l.annotations[Annotation.certificate] ?? '',
          edit,
        ),
      },
    }));
}

beforeAll(async () => {
  stack = await startBackdatedStack(dir);
  root = JSON.parse(readFileSync(stack.trustedRootPath, 'utf8')) as TrustedRootJson;
  tokenPath = join(dir, 'token');
  writeFileSync(tokenPath, await mintToken({ dir: stack.dirs.oidc, kubernetesSa: SA }));
  writeFileSync(join(dir, 'predicate.json'), JSON.stringify({ builder: { id: 'https://test/builder' } }));
}, 120_000);
afterAll(async () => stack?.close());

describe('keyless verify of an image: the checks, and what cosign prints', () => {
  let image: ImageTarget;
  beforeAll(async () => {
    image = await fresh();
    await signAndAttest(image);
  }, 60_000);

  it('verify prints cosign keyless check list and the certificate subject and issuer', async () => {
    const { sig, att } = await verifyBoth(image, verifyArgs());
    expect(sig.code, sig.stderr).toBe(0);
    expect(sig.stderr).toBe(
      [
        '',
        `Verification for ${ref(image)} --`,
        'The following checks were performed on each of these signatures:',
        '  - The cosign claims were validated',
        '  - Existence of the claims in the transparency log was verified offline',
        '  - The code-signing certificate was verified using trusted certificate authority certificates',
        '',
      ].join('\n'),
    );
    const out = JSON.parse(sig.stdout) as { optional: Record<string, unknown> }[];
    const optional = out[0]?.optional ?? {};
    expect(Object.keys(optional)).toEqual(['1.3.6.1.4.1.57264.1.1', 'Bundle', 'Issuer', 'Subject']);
    expect(optional.Subject).toBe(SAN);
    expect(optional.Issuer).toBe(stack.urls.oidcIssuer);
    expect(att.code, att.stderr).toBe(0);
    expect(JSON.parse(att.stdout.trim()).payloadType).toBe(INTOTO_PAYLOAD_TYPE);
    const text = await run(['verify', ref(image), ...verifyArgs(), '-o', 'text']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stderr).toMatch(
      new RegExp(
        `certificate authority certificates\nCertificate subject: ${SAN}\nCertificate issuer URL: ${stack.urls.oidcIssuer}\n$`,
      ),
    );
    expect(JSON.parse(text.stdout).critical.image['docker-manifest-digest']).toBe(image.digest);
  });

  it('wrong identity: KEYLESS_IDENTITY', async () => {
    const { sig, att } = await verifyBoth(image, verifyArgs({ identity: `${SAN}x` }));
    expect(sig.code).toBe(1);
    expect(sig.stderr).toMatch(
      /^Error: no matching signatures: none of the expected identities matched what was in the certificate, got subjects \[https:/,
    );
    expect(codeOf(sig.stderr)).toBe('KEYLESS_IDENTITY');
    expect(att.code).toBe(1);
    expect(att.stderr).toMatch(/^Error: no matching attestations: none of the expected identities/);
    expect(codeOf(att.stderr)).toBe('KEYLESS_IDENTITY');
  });

  it('wrong issuer: KEYLESS_ISSUER', async () => {
    const { sig, att } = await verifyBoth(image, verifyArgs({ issuer: 'https://issuer.example' }));
    expect(sig.stderr).toMatch(/expected oidc issuer not found in certificate/);
    expect([codeOf(sig.stderr), codeOf(att.stderr)]).toEqual(['KEYLESS_ISSUER', 'KEYLESS_ISSUER']);
  });

  it('a chain to another root (a second chains ca init): KEYLESS_CHAIN', async () => {
    const other = join(dir, 'other-ca');
    expect((await run(['ca', 'init', '--dir', other, '--curve', 'P-256'])).code).toBe(0);
    const der = (f: string): string =>
      readFileSync(join(other, f), 'utf8').replace(/-----[A-Z ]+-----|\s/g, '');
    const ca = root.certificateAuthorities[0];
    if (!ca) throw new Error('no CA in the trusted root');
    const p = join(dir, 'other-ca-root.json');
    writeFileSync(
      p,
      JSON.stringify({
        ...root,
        certificateAuthorities: [
          {
            ...ca,
            certChain: {
              certificates: [{ rawBytes: der('intermediate.pem') }, { rawBytes: der('root.pem') }],
            },
          },
        ],
      }),
    );
    const { sig, att } = await verifyBoth(image, verifyArgs({ root: p }));
    expect(sig.stderr).toMatch(/certificate signed by unknown authority/);
    expect([codeOf(sig.stderr), codeOf(att.stderr)]).toEqual(['KEYLESS_CHAIN', 'KEYLESS_CHAIN']);
  });
});

describe('keyless verify of an image whose certificate was re-made', () => {
  it('without its SCT: KEYLESS_SCT; --insecure-ignore-sct lets it pass and says it is insecure', async () => {
    const t = await fresh();
    await signAndAttest(t);
    await swapCertificates(t, 'drop');
    const { sig, att } = await verifyBoth(t, verifyArgs());
    expect(sig.stderr).toMatch(/SCT check failed: certificate has no embedded SCTs/);
    expect([codeOf(sig.stderr), codeOf(att.stderr)]).toEqual(['KEYLESS_SCT', 'KEYLESS_SCT']);
    const ignored = await verifyBoth(t, [...verifyArgs(), '--insecure-ignore-sct']);
    for (const r of [ignored.sig, ignored.att]) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/^WARNING: --insecure-ignore-sct: .*this is insecure$/m);
    }
  });

  it('with a forged SCT (its signature changed): KEYLESS_SCT', async () => {
    const t = await fresh();
    await signAndAttest(t);
    await swapCertificates(t, 'forge');
    const { sig, att } = await verifyBoth(t, verifyArgs());
    expect(sig.stderr).toMatch(/SCT check failed: .*signature/);
    expect([codeOf(sig.stderr), codeOf(att.stderr)]).toEqual(['KEYLESS_SCT', 'KEYLESS_SCT']);
  });
});

describe('keyless verify of an image: the log entry and the signature', () => {
  it('a log entry integrated after the certificate expired: KEYLESS_TLOG_TIME', async () => {
    const t = await fresh();
    // the CA and the OIDC issuer run in this process: the token and the 10-minute certificate are 20 minutes old,
    // and so are the signatures (the key signs only while its certificate is valid); the log integrates them now
    const statement = {
      _type: 'https://in-toto.io/Statement/v0.1',
      predicateType: SLSA02,
      subject: [{ name: t.repository, digest: { sha256: t.digest.slice(7) } }],
      predicate: {},
    };
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() - 20 * 60_000 });
    let signedSig: Awaited<ReturnType<typeof signSimpleSigning>>;
    let signedAtt: Awaited<ReturnType<typeof signDsse>>;
    try {
      const signer = await EphemeralSigner.certify(
        stack.urls.fulcio,
        await mintToken({ dir: stack.dirs.oidc, kubernetesSa: SA }),
      );
      signedSig = await signSimpleSigning(signer, t.repository, t.digest);
      signedAtt = await signDsse(signer, INTOTO_PAYLOAD_TYPE, Buffer.from(JSON.stringify(statement)));
    } finally {
      vi.useRealTimers();
    }
    const tlog = { rekorUrl: stack.urls.rekor, tlogUpload: true };
    const backend = new OciStorageBackend({ client });
    const shortKey = t.digest.slice(7, 19);
    const sigRecord = await uploadToLog(signedSig, tlog);
    await backend.store({
      what: 'image-signature',
      run: RUN,
      record: sigRecord,
      image: t,
      shortKey,
      format: 'simplesigning',
    });
    const attRecord = await uploadToLog(signedAtt, tlog);
    await backend.store({
      what: 'attestation',
      run: RUN,
      record: attRecord,
      predicateType: SLSA02,
      subjects: [t],
      shortKey,
      format: 'in-toto',
    });
    const { sig, att } = await verifyBoth(t, verifyArgs());
    expect(sig.stderr).toMatch(/outside the certificate's validity/);
    expect([codeOf(sig.stderr), codeOf(att.stderr)]).toEqual(['KEYLESS_TLOG_TIME', 'KEYLESS_TLOG_TIME']);
  });

  it('a tampered payload: KEYLESS_SIGNATURE', async () => {
    const t = await fresh();
    await signAndAttest(t);
    const repo = parseRepository(t.repository);
    const push = async (l: Layer, bytes: Buffer): Promise<Layer> => ({
      ...l,
      digest: await pushBlob(client, repo, bytes),
      size: bytes.length,
    });
    // one more space in the simplesigning payload, and in the statement inside the envelope
    await tamper(t, 'sig', async (l) =>
      push(l, Buffer.from((await client.getBlob(repo, l.digest)).toString().replace('}', ' }'))),
    );
    await tamper(t, 'att', async (l) => {
      const env = JSON.parse((await client.getBlob(repo, l.digest)).toString()) as { payload: string };
      const statement = Buffer.from(env.payload, 'base64').toString().replace('}', ' }');
      return push(
        l,
        Buffer.from(JSON.stringify({ ...env, payload: Buffer.from(statement).toString('base64') })),
      );
    });
    const { sig, att } = await verifyBoth(t, verifyArgs());
    expect(sig.stderr).toMatch(/^Error: no matching signatures: invalid signature/);
    expect([codeOf(sig.stderr), codeOf(att.stderr)]).toEqual(['KEYLESS_SIGNATURE', 'KEYLESS_SIGNATURE']);
  });
});
