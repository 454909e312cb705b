import { writeFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../src/oidc/issuer/index.ts';
import * as A from '../../src/controller/annotations.ts';
import { startStack, type RunningStack } from '../../src/stack/index.ts';
import { Annotation } from '../../src/storage/oci/layout.ts';
import { OciReader } from '../../src/storage/oci/reader.ts';
import type { TrustedRootJson } from '../../src/trustroot/index.ts';
import { chains } from '../keys/helpers.ts';
import { tempDir } from '../tlog/helpers.ts';
import {
  CaProcess,
  SA,
  SAN,
  annotations,
  attestation,
  bundleFromStored,
  kanikoRun,
  keylessCluster,
  leafOf,
  registryClient,
  sigstoreJsVerify,
  until,
  writeToken,
  type KeylessCluster,
} from './keyless-cluster.ts';

/**
 * The controller signs keyless (signers.x509.fulcio.enabled): certificates from our CA for the controller's
 * service-account token, SCTs from our CT log, entries in our log, signatures in the real registry; and each
 * way it can fail goes through the retry and failure-reason path.
 */

const dir = tempDir('keyless-controller-');
let stack: RunningStack;
let root: TrustedRootJson;
let cluster: KeylessCluster | undefined;
const cas: CaProcess[] = [];

beforeAll(async () => {
  stack = await startStack({ dir, ports: { registry: 0, tlog: 0, ca: 0, ctlog: 0, oidc: 0 } });
  const u = stack.urls;
  // the trusted root as a user gets it
  const printed = await chains(
    ['trusted-root', '--rekor-url', u.rekor, '--fulcio-url', u.fulcio, '--ctlog-url', u.ctlog],
    { cwd: dir },
  );
  expect(printed.stderr).toBe('');
  root = JSON.parse(printed.stdout) as TrustedRootJson;
}, 120_000);
afterAll(async () => {
  for (const ca of cas) await ca.stop();
  await stack?.close();
});
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

async function ca(leafLifetimeMs?: number): Promise<CaProcess> {
  const c = await CaProcess.start(stack, leafLifetimeMs);
  cas.push(c);
  return c;
}

const signed = (name: string) =>
  until(
    () => annotations(cluster!.kube, name),
    (a) => a[A.SIGNED] !== undefined,
  );

describe('keyless controller', () => {
  it('many runs, one certificate: each attestation carries it, sigstore-js verifies them from the registry', async () => {
    const fulcio = await ca();
    cluster = await keylessCluster(stack, fulcio, dir);
    await writeToken(stack, cluster.tokenFile);
    const names = ['many-1', 'many-2', 'many-3', 'many-4', 'many-5'];
    const images = [];
    for (const n of names) images.push(await kanikoRun(cluster.kube, n));
    for (const n of names) expect((await signed(n))[A.SIGNED], n).toBe('true');
    expect(fulcio.issued).toBe(1);
    const leaves = new Set<string>();
    for (const [i, { image, digest }] of images.entries()) {
      const att = await attestation(image, digest);
      leaves.add(att.annotations[Annotation.certificate] ?? '');
      expect(att.annotations[Annotation.chain]).toMatch(/^-----BEGIN CERTIFICATE-----/);
      sigstoreJsVerify(root, await bundleFromStored(att, stack.urls.rekor), SAN, stack.urls.oidcIssuer);
      // the tekton backend: cert-<key> and chain-<key>, base64 of the PEMs, as Chains writes them
      const a = annotations(cluster.kube, names[i] ?? '');
      const cert = Object.entries(a).find(([k]) => k.startsWith(`${A.PREFIX}cert-taskrun-`))?.[1] ?? '';
      const chain = Object.entries(a).find(([k]) => k.startsWith(`${A.PREFIX}chain-taskrun-`))?.[1] ?? '';
      expect(Buffer.from(cert, 'base64').toString()).toBe(att.annotations[Annotation.certificate]);
      expect(Buffer.from(chain, 'base64').toString()).toBe(att.annotations[Annotation.chain]);
    }
    expect(leaves.size).toBe(1);
    // the image signature too carries the certificate, and (unlike Chains') its log bundle: checkable offline
    const [sig] = await new OciReader(registryClient()).signatures({
      repository: images[0]!.image,
      digest: images[0]!.digest,
    });
    expect(sig?.annotations[Annotation.certificate]).toBe([...leaves][0]);
    expect(JSON.parse(sig?.annotations[Annotation.bundle] ?? '{}')).toHaveProperty('SignedEntryTimestamp');
    expect(leafOf(await attestation(images[0]!.image, images[0]!.digest)).subjectAltName).toBe(`URI:${SAN}`);
    // sigstore-js holds to the identity: another SAN or issuer is refused
    const bundle = await bundleFromStored(
      await attestation(images[0]!.image, images[0]!.digest),
      stack.urls.rekor,
    );
    expect(() => sigstoreJsVerify(root, bundle, `${SAN}x`, stack.urls.oidcIssuer)).toThrow();
    expect(() => sigstoreJsVerify(root, bundle, SAN, 'https://other.example')).toThrow();
  });

  it('renews the certificate near notAfter, with the token the rotated file holds then', async () => {
    // 24-second certificates: renewed a third of their life (8 s) before notAfter
    const fulcio = await ca(24_000);
    cluster = await keylessCluster(stack, fulcio, dir);
    const first = await writeToken(stack, cluster.tokenFile);
    const one = await kanikoRun(cluster.kube, 'renew-1');
    expect((await signed('renew-1'))[A.SIGNED]).toBe('true');
    const leaf1 = leafOf(await attestation(one.image, one.digest));
    // the kubelet rotates the token file; the certificate in hand still serves the next run
    const second = await writeToken(stack, cluster.tokenFile);
    expect(second).not.toBe(first);
    const two = await kanikoRun(cluster.kube, 'renew-2');
    expect((await signed('renew-2'))[A.SIGNED]).toBe('true');
    expect(leafOf(await attestation(two.image, two.digest)).fingerprint256).toBe(leaf1.fingerprint256);
    expect(fulcio.authority.tokens).toEqual([first]);
    // past two thirds of its life: the next run gets a new certificate, for the new token
    await new Promise((r) => setTimeout(r, Date.parse(leaf1.validTo) - 8_000 - Date.now() + 200));
    const three = await kanikoRun(cluster.kube, 'renew-3');
    expect((await signed('renew-3'))[A.SIGNED]).toBe('true');
    const leaf3 = leafOf(await attestation(three.image, three.digest));
    expect(leaf3.fingerprint256).not.toBe(leaf1.fingerprint256);
    expect(leaf3.publicKey.equals(leaf1.publicKey)).toBe(false); // a new key with the new certificate
    expect(fulcio.authority.tokens).toEqual([first, second]);
    for (const r of [one, three])
      sigstoreJsVerify(
        root,
        await bundleFromStored(await attestation(r.image, r.digest), stack.urls.rekor),
        SAN,
        stack.urls.oidcIssuer,
      );
  });

  it('an expired token is never sent: the run fails with the reason, and is signed once a fresh token appears', async () => {
    const fulcio = await ca();
    cluster = await keylessCluster(stack, fulcio, dir);
    await writeToken(stack, cluster.tokenFile, -60);
    await kanikoRun(cluster.kube, 'expired');
    const failed = await until(
      () => annotations(cluster!.kube, 'expired'),
      (a) => a[A.FAILURE_REASON] !== undefined,
    );
    expect(failed[A.FAILURE_REASON]).toMatch(/^signing: .*identity token expired.*\[KEYLESS_TOKEN_EXPIRED\]/);
    expect(failed[A.SIGNED]).toBeUndefined();
    expect(fulcio.issued).toBe(0);
    const fresh = await writeToken(stack, cluster.tokenFile);
    const a = await signed('expired');
    expect(a[A.SIGNED]).toBe('true');
    expect(a[A.FAILURE_REASON]).toBeUndefined();
    expect(Number(a[A.RETRIES])).toBeLessThanOrEqual(A.MAX_RETRIES);
    expect(fulcio.authority.tokens).toEqual([fresh]);
  });

  it('a token the CA refuses (audience not sigstore): failure-reason carries the CA’s answer, a good token signs', async () => {
    const fulcio = await ca();
    cluster = await keylessCluster(stack, fulcio, dir);
    const bad = await mintToken({
      dir: stack.dirs.oidc,
      kubernetesSa: SA,
      audience: 'kubernetes',
    });
    writeFileSync(cluster.tokenFile, bad);
    await kanikoRun(cluster.kube, 'bad-token');
    const failed = await until(
      () => annotations(cluster!.kube, 'bad-token'),
      (a) => a[A.FAILURE_REASON] !== undefined,
    );
    expect(failed[A.FAILURE_REASON]).toMatch(/^signing: .*Fulcio answered 4\d\d.*\[KEYLESS_FULCIO\]/);
    expect(failed[A.SIGNED]).toBeUndefined();
    expect(fulcio.issued).toBe(0);
    const good = await writeToken(stack, cluster.tokenFile);
    expect((await signed('bad-token'))[A.SIGNED]).toBe('true');
    expect(fulcio.issued).toBe(1);
    expect(fulcio.authority.tokens.at(-1)).toBe(good);
  });

  it('CA down, then back: failure-reason names it, the retry signs', async () => {
    const fulcio = await ca();
    await fulcio.stop();
    cluster = await keylessCluster(stack, fulcio, dir);
    await writeToken(stack, cluster.tokenFile);
    const { image, digest } = await kanikoRun(cluster.kube, 'ca-down');
    const failed = await until(
      () => annotations(cluster!.kube, 'ca-down'),
      (a) => a[A.FAILURE_REASON] !== undefined,
    );
    expect(failed[A.FAILURE_REASON]).toMatch(/^signing: .*cannot reach Fulcio at .*\[KEYLESS_FULCIO\]/);
    expect(failed[A.SIGNED]).toBeUndefined();
    await fulcio.resume();
    expect((await signed('ca-down'))[A.SIGNED]).toBe('true');
    expect(fulcio.issued).toBe(1);
    sigstoreJsVerify(
      root,
      await bundleFromStored(await attestation(image, digest), stack.urls.rekor),
      SAN,
      stack.urls.oidcIssuer,
    );
  });

  it('CT log down: the CA issues nothing without its SCT, the run fails with the reason and nothing is stored', async () => {
    const fulcio = await CaProcess.start(stack, undefined, 'http://127.0.0.1:9');
    cas.push(fulcio);
    cluster = await keylessCluster(stack, fulcio, dir);
    await writeToken(stack, cluster.tokenFile);
    const { image, digest } = await kanikoRun(cluster.kube, 'ct-down');
    const failed = await until(
      () => annotations(cluster!.kube, 'ct-down'),
      (a) => a[A.FAILURE_REASON] !== undefined,
    );
    expect(failed[A.FAILURE_REASON]).toMatch(/^signing: .*Fulcio answered 5\d\d.*\[KEYLESS_FULCIO\]/);
    expect(failed[A.SIGNED]).toBeUndefined();
    expect(fulcio.issued).toBe(0);
    await expect(attestation(image, digest)).rejects.toThrow(/found 0/);
  });
});
