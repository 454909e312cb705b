import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { bundleFromJSON, bundleToJSON } from '@sigstore/bundle';
import type { Bundle } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { DSSEBundleBuilder, FulcioSigner, MessageSignatureBundleBuilder, RekorWitness } from '@sigstore/sign';
import { Verifier, toSignedEntity, toTrustMaterial } from '@sigstore/verify';
import type { VerificationPolicy } from '@sigstore/verify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctLogKey, verifyEmbeddedScts } from '../../src/ctlog/sct/index.ts';
import { mintToken } from '../../src/oidc/issuer/index.ts';
import { startStack } from '../../src/stack/index.ts';
import type { RunningStack } from '../../src/stack/index.ts';
import type { TrustedRootJson } from '../../src/trustroot/index.ts';
import { chains } from '../keys/helpers.ts';
import { tempDir } from '../tlog/helpers.ts';

/**
 * The keyless "Must show": sigstore-js signs with a certificate from our CA (token from our OIDC issuer, SCT from
 * our CT log) and records it in our log; sigstore-js verifies both bundle kinds with the trusted root
 * `chains trusted-root` prints.
 */

const SA = 'tekton-chains/tekton-chains-controller';
const SAN = 'https://kubernetes.io/namespaces/tekton-chains/serviceaccounts/tekton-chains-controller';
const STATEMENT = Buffer.from(
  JSON.stringify({
    _type: 'https://in-toto.io/Statement/v1',
    subject: [],
    predicateType: 'https://example.com/p',
    predicate: {},
  }),
);
const MESSAGE = Buffer.from('hello, keyless world\n');

const dir = tempDir('keyless-');
let stack: RunningStack;
let root: TrustedRootJson;
let dsse: Bundle;
let message: Bundle;

const roundTrip = (b: Bundle): Bundle => bundleFromJSON(JSON.parse(JSON.stringify(bundleToJSON(b))));

function verifier(r: TrustedRootJson): Verifier {
  return new Verifier(toTrustMaterial(TrustedRoot.fromJSON(r)), { ctlogThreshold: 1, tlogThreshold: 1 });
}

beforeAll(async () => {
  stack = await startStack({ dir, ports: { registry: 0, tlog: 0, ca: 0, ctlog: 0, oidc: 0 } });
  const u = stack.urls;
  const printed = await chains(
    ['trusted-root', '--rekor-url', u.rekor, '--fulcio-url', u.fulcio, '--ctlog-url', u.ctlog],
    { cwd: dir },
  );
  expect(printed.stderr).toBe('');
  root = JSON.parse(printed.stdout) as TrustedRootJson;
  const token = await mintToken({ dir: stack.dirs.oidc, kubernetesSa: SA });
  const signer = new FulcioSigner({
    fulcioBaseURL: u.fulcio,
    identityProvider: { getToken: async () => token },
  });
  const witnesses = [new RekorWitness({ rekorBaseURL: u.rekor })];
  dsse = roundTrip(
    await new DSSEBundleBuilder({ signer, witnesses }).create({
      data: STATEMENT,
      type: 'application/vnd.in-toto+json',
    }),
  );
  // the second bundle's token comes from the CLI, as a user would get it
  const cli = await chains(['oidc', 'token', '--dir', stack.dirs.oidc, '--kubernetes-sa', SA], { cwd: dir });
  expect(cli.stderr).toBe('');
  const signer2 = new FulcioSigner({
    fulcioBaseURL: u.fulcio,
    identityProvider: { getToken: async () => cli.stdout.trim() },
  });
  message = roundTrip(
    await new MessageSignatureBundleBuilder({ signer: signer2, witnesses }).create({ data: MESSAGE }),
  );
}, 120_000);
afterAll(async () => stack?.close());

const policy = (): VerificationPolicy => ({
  subjectAlternativeName: SAN,
  extensions: { issuer: stack.urls.oidcIssuer },
});

describe('sigstore-js keyless signing against the stack, verified with chains trusted-root', () => {
  it('the printed trusted root is the one stack serve wrote', () => {
    expect(root).toEqual(JSON.parse(readFileSync(stack.trustedRootPath, 'utf8')));
    expect(root.ctlogs).toHaveLength(1);
  });

  it('verifies the DSSE bundle (ctlogThreshold 1, tlogThreshold 1) with the SAN and issuer policy', () => {
    expect(dsse.content.$case).toBe('dsseEnvelope');
    const signer = verifier(root).verify(toSignedEntity(dsse), policy());
    expect(signer.identity?.subjectAlternativeName).toBe(SAN);
    expect(signer.identity?.extensions?.issuer).toBe(stack.urls.oidcIssuer);
  });

  it('verifies the message-signature bundle', () => {
    expect(message.content.$case).toBe('messageSignature');
    const signer = verifier(root).verify(toSignedEntity(message, MESSAGE), policy());
    expect(signer.identity?.subjectAlternativeName).toBe(SAN);
  });

  it('the certificate chains with node and its SCT verifies with our codec and the CT log key', () => {
    const vm = dsse.verificationMaterial.content;
    const leafDer = vm.$case === 'certificate' ? Buffer.from(vm.certificate.rawBytes) : Buffer.alloc(0);
    const [inter, rootCa] = (root.certificateAuthorities[0]?.certChain.certificates ?? []).map((c) =>
      Buffer.from(c.rawBytes, 'base64'),
    );
    const leaf = new X509Certificate(leafDer);
    expect(leaf.checkIssued(new X509Certificate(inter as Buffer))).toBe(true);
    expect(leaf.verify(new X509Certificate(inter as Buffer).publicKey)).toBe(true);
    expect(new X509Certificate(inter as Buffer).verify(new X509Certificate(rootCa as Buffer).publicKey)).toBe(
      true,
    );
    const ctKey = ctLogKey(Buffer.from(root.ctlogs[0]?.publicKey.rawBytes ?? '', 'base64'));
    expect(verifyEmbeddedScts(leafDer, inter as Buffer, [ctKey])).toHaveLength(1);
  });

  const fails = (f: () => unknown, code: string, message: RegExp): void => {
    let err: unknown;
    try {
      f();
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code, message: expect.stringMatching(message) });
  };

  it('fails when the policy names another identity or issuer', () => {
    const v = verifier(root);
    fails(
      () => v.verify(toSignedEntity(dsse), { subjectAlternativeName: `${SAN}x` }),
      'UNTRUSTED_SIGNER_ERROR',
      /identity/,
    );
    const other = 'https://kubernetes.io/namespaces/other/serviceaccounts/x';
    fails(
      () => v.verify(toSignedEntity(message, MESSAGE), { subjectAlternativeName: other }),
      'UNTRUSTED_SIGNER_ERROR',
      /identity/,
    );
    fails(
      () => v.verify(toSignedEntity(dsse), { extensions: { issuer: 'https://issuer.example' } }),
      'UNTRUSTED_SIGNER_ERROR',
      /issuer/,
    );
  });

  it('fails when the trusted root lacks the CT log, or names another CT key', () => {
    const noCt = { ...root, ctlogs: [] };
    fails(
      () => verifier(noCt).verify(toSignedEntity(dsse), policy()),
      'CERTIFICATE_ERROR',
      /SCT verification failed/,
    );
    fails(
      () => verifier(noCt).verify(toSignedEntity(message, MESSAGE), policy()),
      'CERTIFICATE_ERROR',
      /SCT/,
    );
    const otherCt = { ...root, ctlogs: root.tlogs };
    fails(() => verifier(otherCt).verify(toSignedEntity(dsse), policy()), 'CERTIFICATE_ERROR', /SCT/);
  });

  it('fails when the trusted root lacks the log or the CA', () => {
    fails(
      () => verifier({ ...root, tlogs: [] }).verify(toSignedEntity(dsse), policy()),
      'TLOG_INCLUSION_PROMISE_ERROR',
      /inclusion promise/,
    );
    fails(
      () => verifier({ ...root, certificateAuthorities: [] }).verify(toSignedEntity(dsse), policy()),
      'CERTIFICATE_ERROR',
      /chain/,
    );
  });
});
