import { X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CertificateAuthority, startCaServer, type RunningCa } from '../../src/ca/index.ts';
import { mintToken } from '../../src/oidc/issuer/index.ts';
import { signerContract } from '../../src/signing/contract.ts';
import {
  EphemeralSigner,
  loadSigner,
  type SignerContext,
  type X509SignerOptions,
} from '../../src/signing/index.ts';
import { startStack, type Stack } from '../ca/helpers.ts';
import { tempDir } from '../oidc/helpers.ts';

/**
 * The keyless signer (x509 with signers.x509.fulcio.enabled) against our CA and OIDC issuer over real HTTP: the
 * signer contract, and each way it refuses to sign.
 */

const SA = 'tekton-chains/tekton-chains-controller';
const dir = tempDir('fulcio-signer-');
let stack: Stack;
let issued = 0;

beforeAll(async () => {
  stack = await startStack('kubernetes');
  const count = stack.authority.issue.bind(stack.authority);
  stack.authority.issue = (req) => (issued++, count(req));
}, 60_000);
afterAll(async () => stack?.close());

async function tokenFile(name: string, o: { ttlSec?: number; audience?: string } = {}): Promise<string> {
  const path = join(dir, name);
  writeFileSync(path, `${await mintToken({ dir: stack.issuerDir, kubernetesSa: SA, ...o })}\n`);
  return path;
}

function ctx(file: string, over: Partial<X509SignerOptions['fulcio']> = {}): SignerContext {
  const fulcio = { enabled: true, address: stack.ca.url, issuer: stack.issuer.url, ...over };
  return { secret: undefined, x509: { fulcio, identityTokenFile: file } };
}

signerContract({
  name: 'fulcio',
  keyPerLoad: true,
  accepts: async () => [
    ['projected service-account token file', ctx(await tokenFile('ok'))],
    ['provider filesystem', ctx(await tokenFile('ok-fs'), { provider: 'filesystem' })],
  ],
  refuses: async () => [
    ['fulcio not enabled', ctx(await tokenFile('off'), { enabled: false }), 'KEYLESS_FULCIO'],
    ['no token file', ctx(join(dir, 'absent')), 'KEYLESS_TOKEN'],
    ['not a JWS', (writeFileSync(join(dir, 'junk'), 'hello'), ctx(join(dir, 'junk'))), 'KEYLESS_TOKEN'],
    ['expired token', ctx(await tokenFile('expired', { ttlSec: -60 })), 'KEYLESS_TOKEN_EXPIRED'],
    ['token expiring within the skew', ctx(await tokenFile('soon', { ttlSec: 10 })), 'KEYLESS_TOKEN_EXPIRED'],
    ['provider not available here', ctx(await tokenFile('p'), { provider: 'spiffe' }), 'KEYLESS_PROVIDER'],
    [
      'token for another audience (the CA refuses)',
      ctx(await tokenFile('aud', { audience: 'x' })),
      'KEYLESS_FULCIO',
    ],
    ['CA not reachable', ctx(await tokenFile('down'), { address: 'http://127.0.0.1:9' }), 'KEYLESS_FULCIO'],
  ],
});

describe('keyless signer', () => {
  it('never sends an expired token to the CA', async () => {
    const before = issued;
    const e = await loadSigner('fulcio', ctx(await tokenFile('expired-2', { ttlSec: -1 }))).catch((x) => x);
    expect(e).toMatchObject({ code: 'KEYLESS_TOKEN_EXPIRED' });
    expect(issued).toBe(before);
  });

  it('reads the token file afresh on every load (a rotated token is the one used)', async () => {
    const path = join(dir, 'rotating');
    writeFileSync(path, await mintToken({ dir: stack.issuerDir, kubernetesSa: 'ns-a/sa-a' }));
    const a = await loadSigner('fulcio', ctx(path));
    writeFileSync(path, await mintToken({ dir: stack.issuerDir, kubernetesSa: 'ns-b/sa-b' }));
    const b = await loadSigner('fulcio', ctx(path));
    const san = (s: typeof a) =>
      s.identity.kind === 'certificate' ? new X509Certificate(s.identity.certificatePem).subjectAltName : '';
    expect(san(a)).toBe('URI:https://kubernetes.io/namespaces/ns-a/serviceaccounts/sa-a');
    expect(san(b)).toBe('URI:https://kubernetes.io/namespaces/ns-b/serviceaccounts/sa-b');
  });

  it('refuses to sign once the certificate expired, and drops the key', async () => {
    const short = new CertificateAuthority(stack.authority.material, stack.authority.verifier, undefined, {
      leafLifetimeMs: 2000,
    });
    const ca: RunningCa = await startCaServer(short, { addr: '127.0.0.1:0' });
    try {
      const token = await mintToken({ dir: stack.issuerDir, kubernetesSa: SA });
      const s = await EphemeralSigner.certify(ca.url, token);
      expect(s.notAfter.getTime() - s.notBefore.getTime()).toBe(2000);
      await expect(s.sign(Buffer.from('x'))).resolves.toBeInstanceOf(Buffer);
      await new Promise((r) => setTimeout(r, s.notAfter.getTime() - Date.now() + 50));
      await expect(s.sign(Buffer.from('x'))).rejects.toMatchObject({ code: 'KEYLESS_CERT_EXPIRED' });
      expect(s.usable(s.notBefore.getTime())).toBe(false); // dropped: not usable even at a time inside validity
    } finally {
      await ca.close();
    }
  });
});
