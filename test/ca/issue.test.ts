import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OID } from '../../src/ca/index.ts';
import { mintToken } from '../../src/oidc/issuer/index.ts';
import { tempDir } from '../oidc/helpers.ts';
import { extension, post, startStack, utf8Der, v2Request } from './helpers.ts';
import type { Stack } from './helpers.ts';

let s: Stack;
beforeAll(async () => {
  s = await startStack('kubernetes');
});
afterAll(async () => s?.close());

const SUB = 'system:serviceaccount:tekton-chains:tekton-chains-controller';
const SAN = 'https://kubernetes.io/namespaces/tekton-chains/serviceaccounts/tekton-chains-controller';
const token = (): Promise<string> =>
  mintToken({ dir: s.issuerDir, kubernetesSa: 'tekton-chains/tekton-chains-controller' });

function openssl(args: string[]): string {
  return execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('POST /api/v2/signingCert (no CT log)', () => {
  it('issues a Fulcio-profile leaf that chains with node and openssl', async () => {
    const req = v2Request(await token(), SUB);
    const res = await post(`${s.ca.url}/api/v2/signingCert`, req.body);
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      signedCertificateDetachedSct: { chain: { certificates: string[] }; signedCertificateTimestamp: string };
    };
    const chain = body.signedCertificateDetachedSct.chain.certificates;
    expect(chain).toHaveLength(3);
    for (const pem of chain) expect(pem.endsWith('-----END CERTIFICATE-----\n')).toBe(true);
    const [leaf, inter, root] = chain.map((p) => new X509Certificate(p));
    if (!leaf || !inter || !root) throw new Error('chain');
    expect(leaf.verify(inter.publicKey)).toBe(true);
    expect(inter.verify(root.publicKey)).toBe(true);
    expect(leaf.checkIssued(inter)).toBe(true);
    expect(leaf.subject ?? '').toBe(''); // empty SEQUENCE
    expect(leaf.subjectAltName).toBe(`URI:${SAN}`);
    expect(leaf.ca).toBe(false);
    expect(leaf.keyUsage).toEqual(['1.3.6.1.5.5.7.3.3']); // node lists the EKU here
    expect(new Date(leaf.validTo).getTime() - new Date(leaf.validFrom).getTime()).toBe(600_000);
    expect(leaf.publicKey.export({ type: 'spki', format: 'pem' })).toBe(req.pem);

    const dir = tempDir('ca-verify-');
    chain.forEach((p, i) => writeFileSync(join(dir, `${i}.pem`), p));
    const out = openssl([
      'verify',
      '-purpose',
      'any',
      '-CAfile',
      join(dir, '2.pem'),
      '-untrusted',
      join(dir, '1.pem'),
      join(dir, '0.pem'),
    ]);
    expect(out.trim()).toBe(`${join(dir, '0.pem')}: OK`);
    const text = openssl(['x509', '-in', join(dir, '0.pem'), '-noout', '-text']);
    expect(text).toMatch(/Signature Algorithm: ecdsa-with-SHA384/);
    expect(text).toMatch(/X509v3 Key Usage: critical\s+Digital Signature\n/);
    expect(text).toMatch(/X509v3 Extended Key Usage: \s*Code Signing\n/);
    expect(text).toMatch(/X509v3 Subject Alternative Name: critical\s+URI:https:\/\/kubernetes.io/);
    expect(text).not.toMatch(/Basic Constraints/);
  });

  it('Fulcio extensions decode to the expected values', async () => {
    const res = await post(`${s.ca.url}/api/v2/signingCert`, v2Request(await token(), SUB).body);
    const leaf = (
      (await res.json()) as { signedCertificateDetachedSct: { chain: { certificates: string[] } } }
    ).signedCertificateDetachedSct.chain.certificates[0] as string;
    expect(extension(leaf, OID.fulcioIssuerV1)).toEqual({
      critical: false,
      value: Buffer.from(s.issuer.url),
    });
    expect(extension(leaf, OID.fulcioIssuerV2)).toEqual({ critical: false, value: utf8Der(s.issuer.url) });
    expect(extension(leaf, OID.fulcioSubject)).toEqual({ critical: false, value: utf8Der(SUB) });
    expect(extension(leaf, OID.keyUsage)).toEqual({ critical: true, value: Buffer.from('03020780', 'hex') });
    expect(extension(leaf, OID.subjectAltName)?.critical).toBe(true);
    const inter = new X509Certificate(s.authority.trustBundle()[0]?.[0] ?? '');
    const aki = extension(leaf, OID.authorityKeyId)?.value;
    const ski = extension(inter.toString(), OID.subjectKeyId)?.value;
    expect(aki?.subarray(4).equals(ski?.subarray(2) ?? Buffer.alloc(0))).toBe(true); // [0] keyIdentifier = issuer SKI
  });

  it('takes the token from Authorization: Bearer (cosign v3 / sigstore-go)', async () => {
    const pk = v2Request(await token(), SUB);
    const body = JSON.stringify({
      publicKeyRequest: (JSON.parse(pk.body) as { publicKeyRequest: unknown }).publicKeyRequest,
    });
    const res = await post(`${s.ca.url}/api/v2/signingCert`, body, {
      Authorization: `Bearer ${await token()}`,
    });
    expect(res.status).toBe(200);
  });

  it('accepts a CSR (openssl req), base64 of the PEM; snake_case field names too', async () => {
    const dir = tempDir('csr-');
    openssl(['ecparam', '-name', 'secp384r1', '-genkey', '-noout', '-out', join(dir, 'k.pem')]);
    openssl([
      'req',
      '-new',
      '-key',
      join(dir, 'k.pem'),
      '-subj',
      '/CN=ignored',
      '-sha384',
      '-out',
      join(dir, 'csr.pem'),
    ]);
    const csr = execFileSync('cat', [join(dir, 'csr.pem')]);
    const res = await post(
      `${s.ca.url}/api/v2/signingCert`,
      JSON.stringify({
        credentials: { oidc_identity_token: await token() },
        certificate_signing_request: csr.toString('base64'),
      }),
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      signedCertificateDetachedSct: { chain: { certificates: string[] } };
    };
    const leaf = new X509Certificate(body.signedCertificateDetachedSct.chain.certificates[0] ?? '');
    const want = openssl(['pkey', '-in', join(dir, 'k.pem'), '-pubout']);
    expect(leaf.publicKey.export({ type: 'spki', format: 'pem' })).toBe(want);
    expect(leaf.subject ?? '').toBe(''); // empty SEQUENCE
  });

  it('legacy POST /api/v1/signingCert: 201, PEM chain, token from the header', async () => {
    const req = v2Request('', SUB);
    const body = JSON.stringify({
      publicKey: { content: Buffer.from(req.pem).toString('base64') },
      signedEmailAddress: req.proof,
      certificateSigningRequest: null,
    });
    const res = await post(`${s.ca.url}/api/v1/signingCert`, body, {
      Authorization: `Bearer ${await token()}`,
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toBe('application/pem-certificate-chain');
    const text = await res.text();
    expect(text.endsWith('-----END CERTIFICATE-----')).toBe(true);
    const blocks = text.split(/(?<=-----END CERTIFICATE-----)\n/);
    expect(blocks).toHaveLength(3);
    expect(blocks[1]?.startsWith('\n-----BEGIN')).toBe(true); // a blank line between certificates, as Fulcio
  });

  it('trust bundle, configuration, root certificate', async () => {
    const tb = (await (await fetch(`${s.ca.url}/api/v2/trustBundle`)).json()) as {
      chains: { certificates: string[] }[];
    };
    expect(tb.chains).toHaveLength(1);
    const [inter, root] = (tb.chains[0]?.certificates ?? []).map((p) => new X509Certificate(p));
    expect(inter?.subject).toBe('O=chains\nCN=chains-intermediate');
    expect(root?.subject).toBe('O=chains\nCN=chains-root');
    const conf = (await (await fetch(`${s.ca.url}/api/v2/configuration`)).json()) as {
      issuers: Record<string, unknown>[];
    };
    expect(conf.issuers).toEqual([
      expect.objectContaining({
        issuerUrl: s.issuer.url,
        audience: 'sigstore',
        challengeClaim: 'sub',
        issuerType: 'kubernetes',
      }),
    ]);
    const rootCert = await (await fetch(`${s.ca.url}/api/v1/rootCert`)).text();
    expect(rootCert.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
  });

  it('CA key files are 0600 and never in the answers', async () => {
    for (const f of ['root-key.pem', 'intermediate-key.pem'])
      expect(statSync(join(s.caDir, f)).mode & 0o777).toBe(0o600);
  });
});
