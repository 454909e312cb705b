import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CertificateAuthority, loadCa, startCaServer } from '../../src/ca/index.ts';
import type { RunningCa } from '../../src/ca/index.ts';
import { TokenVerifier, singleIssuer } from '../../src/oidc/index.ts';
import { mintToken } from '../../src/oidc/issuer/index.ts';
import { RegistryClient } from '../../src/registry/index.ts';
import { startStack } from '../../src/stack/index.ts';
import type { RunningStack } from '../../src/stack/index.ts';
import type { ImageTarget } from '../../src/storage/backend.ts';
import { OciReader } from '../../src/storage/oci/reader.ts';
import type { TrustedRootJson } from '../../src/trustroot/index.ts';
import { chains } from '../keys/helpers.ts';
import { testRegistries } from '../setup/env.ts';
import { pushRandomImage } from '../storage/oci/helpers.ts';
import { tempDir } from '../tlog/helpers.ts';

/**
 * `--trusted-root` on the keyless signing commands: the certificate the CA issues is checked (chain, SCT)
 * before anything is signed; a certificate that fails is refused with its code, and nothing reaches the log
 * or the registry.
 */

const SA = 'default/builder';
const dir = tempDir('keyless-sign-trust-');
const client = new RegistryClient({ insecure: true });
const reader = new OciReader(client);
let stack: RunningStack;
let noCt: RunningCa;
let tokenPath: string;
let otherRoot: string;

const run = (args: string[]) => chains(args, { cwd: dir });
const codeOf = (stderr: string): string | undefined => /\[([A-Z_]+)\]\s*$/.exec(stderr.trim())?.[1];
const fresh = (): Promise<ImageTarget> =>
  pushRandomImage(client, testRegistries().plain, `keyless-trust/${Math.random().toString(36).slice(2)}`);

async function treeSize(): Promise<number> {
  const r = await fetch(`${stack.urls.rekor}/api/v1/log`);
  return ((await r.json()) as { treeSize: number }).treeSize;
}

/** Each signing command, keyless, against `fulcio` with `--trusted-root root`. */
function commands(t: ImageTarget, fulcio: string, root: string): [string, string[]][] {
  const ref = `${t.repository}@${t.digest}`;
  const k = ['--fulcio-url', fulcio, '--rekor-url', stack.urls.rekor, '--identity-token', tokenPath];
  const trust = ['--trusted-root', root];
  const blob = join(dir, 'blob.txt');
  return [
    ['sign', ['sign', ref, '--allow-insecure-registry', ...k, ...trust]],
    ['attest', ['attest', ref, '--predicate', blob, '--allow-insecure-registry', ...k, ...trust]],
    ['sign-blob', ['sign-blob', blob, '--bundle', join(dir, 'b.json'), ...k, ...trust]],
    ['sign-dsse', ['sign-dsse', join(dir, 'statement.json'), ...k, ...trust]],
  ];
}

beforeAll(async () => {
  stack = await startStack({
    dir: join(dir, 'stack'),
    ports: { registry: 0, tlog: 0, ca: 0, ctlog: 0, oidc: 0 },
  });
  tokenPath = join(dir, 'token');
  writeFileSync(tokenPath, await mintToken({ dir: stack.dirs.oidc, kubernetesSa: SA }));
  writeFileSync(join(dir, 'blob.txt'), 'a blob\n');
  writeFileSync(join(dir, 'statement.json'), JSON.stringify({ _type: 'https://in-toto.io/Statement/v1' }));
  // the same CA without its CT log: certificates that chain but carry no SCT
  const verifier = new TokenVerifier(
    singleIssuer({ issuerUrl: stack.urls.oidcIssuer, clientId: 'sigstore', type: 'kubernetes' }),
  );
  noCt = await startCaServer(new CertificateAuthority(await loadCa(stack.dirs.ca), verifier), {
    addr: '127.0.0.1:0',
  });
  // a trusted root naming another CA (a second chains ca init)
  const other = join(dir, 'other-ca');
  expect((await run(['ca', 'init', '--dir', other, '--curve', 'P-256'])).code).toBe(0);
  const der = (f: string): string =>
    readFileSync(join(other, f), 'utf8').replace(/-----[A-Z ]+-----|\s/g, '');
  const root = JSON.parse(readFileSync(stack.trustedRootPath, 'utf8')) as TrustedRootJson;
  const ca = root.certificateAuthorities[0];
  if (!ca) throw new Error('no CA in the trusted root');
  otherRoot = join(dir, 'other-ca-root.json');
  const chain = { certificates: [{ rawBytes: der('intermediate.pem') }, { rawBytes: der('root.pem') }] };
  writeFileSync(
    otherRoot,
    JSON.stringify({ ...root, certificateAuthorities: [{ ...ca, certChain: chain }] }),
  );
}, 120_000);
afterAll(async () => {
  await noCt?.close();
  await stack?.close();
});

describe('keyless signing with --trusted-root', () => {
  it('a certificate that chains and carries its SCT: every command signs and says the SCT was verified', async () => {
    const t = await fresh();
    for (const [name, args] of commands(t, stack.urls.fulcio, stack.trustedRootPath)) {
      const r = await run(args);
      expect(r.code, `${name}: ${r.stderr}`).toBe(0);
      expect(r.stderr, name).toMatch(/^Successfully verified SCT\.\.\.$/m);
    }
    expect(await reader.signatures(t)).toHaveLength(1);
    expect(await reader.attestations(t)).toHaveLength(1);
  });

  it('a certificate from a CA the trusted root does not name: KEYLESS_CHAIN, nothing signed or logged', async () => {
    const t = await fresh();
    const before = await treeSize();
    for (const [name, args] of commands(t, stack.urls.fulcio, otherRoot)) {
      const r = await run(args);
      expect(r.code, name).toBe(1);
      expect(r.stderr, name).toMatch(/certificate chain check failed/);
      expect(codeOf(r.stderr), name).toBe('KEYLESS_CHAIN');
    }
    expect(await treeSize()).toBe(before);
    expect(await reader.signatures(t)).toHaveLength(0);
    expect(await reader.attestations(t)).toHaveLength(0);
  });

  it('a certificate without an SCT: KEYLESS_SCT, nothing signed or logged', async () => {
    const t = await fresh();
    const before = await treeSize();
    for (const [name, args] of commands(t, noCt.url, stack.trustedRootPath)) {
      const r = await run(args);
      expect(r.code, name).toBe(1);
      expect(codeOf(r.stderr), name).toBe('KEYLESS_SCT');
      expect(r.stderr, name).not.toMatch(/tlog entry created/);
    }
    expect(await treeSize()).toBe(before);
    expect(await reader.signatures(t)).toHaveLength(0);
  });

  it('--tlog-upload=false is refused by every keyless signing command, with the reason: nothing is logged', async () => {
    const t = await fresh();
    const before = await treeSize();
    for (const [name, args] of commands(t, stack.urls.fulcio, stack.trustedRootPath)) {
      const r = await run([...args, '--tlog-upload=false']);
      expect(r.code, name).toBe(1);
      expect(r.stderr, name).toMatch(/keyless signing needs the transparency log: .*only allowed with --key/);
      expect(codeOf(r.stderr), name).toBe('KEYLESS_TLOG_REQUIRED');
    }
    expect(await treeSize()).toBe(before);
    expect(await reader.signatures(t)).toHaveLength(0);
    expect(await reader.attestations(t)).toHaveLength(0);
  });

  it('without --trusted-root the same certificate is signed with (as before)', async () => {
    const t = await fresh();
    const [, args] = commands(t, noCt.url, stack.trustedRootPath)[0] ?? ['', []];
    const r = await run(args.slice(0, -2));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/Successfully verified SCT/);
  });
});
