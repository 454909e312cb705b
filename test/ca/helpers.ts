import 'reflect-metadata';
import { createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { X509Certificate as PeculiarCert } from '@peculiar/x509';
import { CertificateAuthority, loadCa, startCaServer } from '../../src/ca/index.ts';
import type { CtOptions, RunningCa } from '../../src/ca/index.ts';
import { TokenVerifier, singleIssuer } from '../../src/oidc/index.ts';
import type { IssuerConfig } from '../../src/oidc/index.ts';
import { startIssuerServer } from '../../src/oidc/issuer/index.ts';
import type { RunningIssuer } from '../../src/oidc/issuer/index.ts';
import { tempDir } from '../oidc/helpers.ts';

export interface Stack {
  issuer: RunningIssuer;
  issuerDir: string;
  caDir: string;
  ca: RunningCa;
  authority: CertificateAuthority;
  close(): Promise<void>;
}

/** An embedded OIDC issuer and a CA that trusts it (type as given), both over real HTTP. */
export async function startStack(
  type: IssuerConfig['type'] = 'kubernetes',
  ct?: CtOptions,
  more: Partial<IssuerConfig> = {},
  caDir = tempDir('ca-'),
): Promise<Stack> {
  const issuerDir = tempDir('oidc-');
  const issuer = await startIssuerServer({ dir: issuerDir, addr: '127.0.0.1:0' });
  const material = await loadCa(caDir, { init: true });
  const verifier = new TokenVerifier(
    singleIssuer({ issuerUrl: issuer.url, clientId: 'sigstore', type, ...more }),
  );
  const authority = new CertificateAuthority(material, verifier, ct);
  const ca = await startCaServer(authority, { addr: '127.0.0.1:0', maxBodyBytes: 64 * 1024 });
  return {
    issuer,
    issuerDir,
    caDir,
    ca,
    authority,
    close: async () => (await ca.close(), await issuer.close()),
  };
}

/** Another CA server over the same keys and issuer, with other CT settings. */
export async function caWith(s: Stack, ct: CtOptions | undefined): Promise<RunningCa> {
  const authority = new CertificateAuthority(s.authority.material, s.authority.verifier, ct);
  return startCaServer(authority, { addr: '127.0.0.1:0' });
}

/** What sigstore-js sends: an ephemeral P-256 key, PoP over the challenge, token in the body. */
export function v2Request(
  token: string,
  challenge: string,
  key: KeyObject = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
  hash: string | null = 'sha256',
): { body: string; key: KeyObject; pem: string; proof: string } {
  const pem = createPublicKey(key).export({ type: 'spki', format: 'pem' }).toString();
  const proof = sign(hash, Buffer.from(challenge), key).toString('base64');
  const body = JSON.stringify({
    credentials: { oidcIdentityToken: token },
    publicKeyRequest: { publicKey: { algorithm: 'ECDSA', content: pem }, proofOfPossession: proof },
  });
  return { body, key, pem, proof };
}

export async function post(
  url: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(url, { method: 'POST', body, headers: { 'Content-Type': 'application/json', ...headers } });
}

/** The raw extnValue contents of an extension, and its critical flag. */
export function extension(pem: string, oid: string): { critical: boolean; value: Buffer } | undefined {
  const e = new PeculiarCert(pem).getExtension(oid);
  return e ? { critical: e.critical, value: Buffer.from(e.value) } : undefined;
}

export function utf8Der(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  return Buffer.concat([Buffer.from([0x0c, b.length]), b]);
}
