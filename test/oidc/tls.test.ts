import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenVerifier, parseIssuersConfig, singleIssuer } from '../../src/oidc/index.ts';
import { mintToken, startIssuerServer } from '../../src/oidc/issuer/index.ts';
import type { RunningIssuer } from '../../src/oidc/issuer/index.ts';
import { codeOf, tempDir } from './helpers.ts';

let dir: string;
let issuer: RunningIssuer;
let caPem: string;

/** A self-signed CA and a server certificate for 127.0.0.1 made by openssl. */
function tlsFiles(d: string): { key: string; cert: string; ca: string } {
  const o = (args: string[]): void => void execFileSync('openssl', args, { stdio: 'ignore' });
  o([
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    join(d, 'ca.key'),
    '-out',
    join(d, 'ca.pem'),
    '-subj',
    '/CN=issuer test CA',
    '-days',
    '2',
  ]);
  o([
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    join(d, 'srv.key'),
    '-out',
    join(d, 'srv.csr'),
    '-subj',
    '/CN=127.0.0.1',
  ]);
  writeExt(d);
  o([
    'x509',
    '-req',
    '-in',
    join(d, 'srv.csr'),
    '-CA',
    join(d, 'ca.pem'),
    '-CAkey',
    join(d, 'ca.key'),
    '-CAcreateserial',
    '-out',
    join(d, 'srv.pem'),
    '-days',
    '2',
    '-extfile',
    join(d, 'ext.cnf'),
  ]);
  const r = (f: string): string => readFileSync(join(d, f), 'utf8');
  return { key: r('srv.key'), cert: r('srv.pem'), ca: r('ca.pem') };
}

function writeExt(d: string): void {
  writeFileSync(join(d, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
}

beforeAll(async () => {
  dir = tempDir();
  const t = tlsFiles(dir);
  caPem = t.ca;
  issuer = await startIssuerServer({
    dir: join(dir, 'oidc'),
    addr: '127.0.0.1:0',
    tls: { key: t.key, cert: t.cert },
  });
});
afterAll(async () => issuer?.close());

describe('an issuer behind TLS with its own CA (ca-cert, as Fulcio)', () => {
  it('verifies with ca-cert; without it discovery fails (system roots do not know the CA)', async () => {
    expect(issuer.url.startsWith('https://127.0.0.1:')).toBe(true);
    const token = await mintToken({ dir: join(dir, 'oidc'), kubernetesSa: 'ns/sa' });
    const cfg = { issuerUrl: issuer.url, clientId: 'sigstore', type: 'kubernetes' as const };
    const withCa = new TokenVerifier(singleIssuer({ ...cfg, caCert: caPem }));
    expect((await withCa.verify(token)).subject).toBe('system:serviceaccount:ns:sa'); // discovery and JWKS both over TLS
    expect(await codeOf(new TokenVerifier(singleIssuer(cfg)).verify(token))).toBe('OIDC_DISCOVERY');
  });

  it('ca-cert in the configuration file is checked at load', async () => {
    const yaml = (ca: string): string =>
      `oidc-issuers:\n  ${issuer.url}:\n    issuer-url: ${issuer.url}\n    client-id: sigstore\n    type: kubernetes\n    ca-cert: |\n${ca
        .trim()
        .split('\n')
        .map((l) => `      ${l}`)
        .join('\n')}\n`;
    expect(parseIssuersConfig(yaml(caPem)).issuers.get(issuer.url)?.caCert).toContain('BEGIN CERTIFICATE');
    expect(
      await codeOf(
        Promise.resolve().then(() =>
          parseIssuersConfig(yaml('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----')),
        ),
      ),
    ).toBe('OIDC_CONFIG');
  });
});
