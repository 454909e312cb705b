import { execFileSync } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CertificateAuthority,
  loadCa,
  parseCsr,
  parseV1,
  parseV2,
  startCaServer,
} from '../../src/ca/index.ts';
import { TokenVerifier, parseIssuersConfig, singleIssuer } from '../../src/oidc/index.ts';
import { mintToken, startIssuerServer } from '../../src/oidc/issuer/index.ts';
import { tempDir } from '../lib/common.ts';
import { fuzzText, mutatedText } from './mutate.ts';
import type { Target } from './targets.ts';

const json = (v: unknown): string => JSON.stringify(v);

export interface KeylessTargets {
  targets: Target[];
  close(): Promise<void>;
}

/** CSRs made by openssl (an independent encoder) for each key type the CA accepts. */
function csrSeeds(dir: string): string[] {
  const keys: [string, string[]][] = [
    ['p256', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout']],
    ['p384', ['ecparam', '-name', 'secp384r1', '-genkey', '-noout']],
    ['rsa', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048']],
    ['ed', ['genpkey', '-algorithm', 'ED25519']],
  ];
  return keys.map(([name, args]) => {
    const key = join(dir, `${name}.key`);
    execFileSync('openssl', [...args, '-out', key], { stdio: 'ignore' });
    execFileSync(
      'openssl',
      ['req', '-new', '-key', key, '-subj', '/CN=fuzz', '-out', join(dir, `${name}.csr`)],
      { stdio: 'ignore' },
    );
    return readFileSync(join(dir, `${name}.csr`), 'utf8');
  });
}

function v2Body(token: string, key: KeyObject, name: string): Record<string, unknown> {
  return {
    credentials: { oidcIdentityToken: token },
    publicKeyRequest: {
      publicKey: {
        algorithm: 'ECDSA',
        content: createPublicKey(key).export({ type: 'spki', format: 'pem' }),
      },
      proofOfPossession: sign('sha256', Buffer.from(name), key).toString('base64'),
    },
  };
}

/** The token verifier, the issuer configuration, the CSR and request parsers and the CA server (docs/keyless.md). */
export async function keylessTargets(): Promise<KeylessTargets> {
  const dir = tempDir('fuzz-keyless');
  const issuer = await startIssuerServer({ dir: join(dir, 'oidc'), addr: '127.0.0.1:0' });
  const verifier = new TokenVerifier(
    singleIssuer({ issuerUrl: issuer.url, clientId: 'sigstore', type: 'kubernetes' }),
  );
  const authority = new CertificateAuthority(await loadCa(join(dir, 'ca'), { init: true }), verifier);
  const ca = await startCaServer(authority, { addr: '127.0.0.1:0', maxBodyBytes: 64 * 1024 });
  const oidcDir = join(dir, 'oidc');
  const tokens = [
    await mintToken({ dir: oidcDir, kubernetesSa: 'ns/sa' }),
    await mintToken({ dir: oidcDir, subject: 'u', email: 'a@example.com' }),
    await mintToken({ dir: oidcDir, subject: 'u', audience: 'other', ttlSec: -60 }),
  ];
  const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const csrs = csrSeeds(dir);
  const v2 = [
    v2Body(tokens[0] ?? '', key, 'system:serviceaccount:ns:sa'),
    ...csrs.map((c) => ({
      credentials: { oidcIdentityToken: tokens[0] },
      certificateSigningRequest: Buffer.from(c).toString('base64'),
    })),
  ];
  const v1 = [
    {
      publicKey: {
        content: Buffer.from(createPublicKey(key).export({ type: 'spki', format: 'pem' })).toString('base64'),
      },
      signedEmailAddress: sign('sha256', Buffer.from('system:serviceaccount:ns:sa'), key).toString('base64'),
    },
  ];
  const configs = [
    'oidc-issuers:\n  https://k.example.com:\n    issuer-url: https://k.example.com\n    client-id: sigstore\n    type: kubernetes\nmeta-issuers:\n  https://*.example.com/id/*:\n    client-id: sigstore\n    type: email\n',
    json({
      OIDCIssuers: {
        'https://u.example.com': {
          IssuerURL: 'https://u.example.com',
          ClientID: 'sigstore',
          Type: 'uri',
          SubjectDomain: 'https://u.example.com',
        },
      },
    }),
  ];
  const post = async (path: string, body: string, auth: string): Promise<void> => {
    const r = await fetch(`${ca.url}${path}`, {
      method: 'POST',
      body,
      headers: { authorization: auth },
      signal: AbortSignal.timeout(10_000),
    });
    await r.arrayBuffer();
    if (r.status >= 500) throw new Error(`HTTP ${r.status} from POST ${path}`);
  };
  const targets: Target[] = [
    {
      name: 'identity token (TokenVerifier, live issuer)',
      full: 20_000,
      budgetMs: 500,
      arb: fuzzText(tokens),
      run: (x) => verifier.verify(x),
    },
    {
      name: 'issuer configuration (parseIssuersConfig)',
      full: 30_000,
      budgetMs: 250,
      arb: fuzzText(configs),
      run: (x) => parseIssuersConfig(x),
    },
    {
      name: 'CSR PEM (parseCsr)',
      full: 30_000,
      budgetMs: 250,
      arb: fuzzText(csrs),
      run: (x) => parseCsr(Buffer.from(x)),
    },
    {
      name: 'signing request v2 JSON (parseV2 + CA issue)',
      full: 20_000,
      budgetMs: 500,
      arb: fuzzText(v2.map(json), v2),
      run: (x) => authority.issue(parseV2(Buffer.from(x), `Bearer ${tokens[0] ?? ''}`)),
    },
    {
      name: 'signing request v1 JSON (parseV1 + CA issue)',
      full: 10_000,
      budgetMs: 500,
      arb: fuzzText(v1.map(json), v1),
      run: (x) => authority.issue(parseV1(Buffer.from(x), `Bearer ${tokens[0] ?? ''}`)),
    },
    {
      name: 'CA server HTTP: POST /api/v2/signingCert and /api/v1/signingCert',
      full: 6_000,
      budgetMs: 2_000,
      heavy: true,
      arb: fuzzText([...v2, ...v1].map(json), [...v2, ...v1]),
      run: async (x) => (
        await post('/api/v2/signingCert', x, ''),
        await post('/api/v1/signingCert', x, `Bearer ${tokens[0] ?? ''}`)
      ),
    },
    {
      name: 'CA server HTTP: Authorization header',
      full: 3_000,
      budgetMs: 2_000,
      heavy: true,
      arb: mutatedText(tokens.map((t) => `Bearer ${t}`)).map((h) => h.replace(/[^\t\x20-\x7e]/g, '')),
      run: (x) => post('/api/v2/signingCert', json(v2[0]), x),
    },
  ];
  return { targets, close: async () => (await ca.close(), await issuer.close()) };
}
