import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { OID_CT_POISON, OID_SCT_LIST, sctListExtensionValue } from '../../src/ctlog/sct/index.ts';
import type { Sct } from '../../src/ctlog/sct/index.ts';

/** A throwaway root → intermediate CA for CT log tests (ECDSA P-256, made with @peculiar/x509). */

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };

export interface TestCa {
  root: Buffer;
  rootPem: string;
  intermediate: Buffer;
  intermediateKey: webcrypto.CryptoKey;
  rootKey: webcrypto.CryptoKey;
}

const keys = async (): Promise<webcrypto.CryptoKeyPair> =>
  (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;

const caExts = (): x509.Extension[] => [
  new x509.BasicConstraintsExtension(true, undefined, true),
  new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
];

export async function makeCa(name = 'ct-test'): Promise<TestCa> {
  const rk = await keys();
  const root = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: `CN=${name}-root`,
    keys: rk,
    signingAlgorithm: ALG,
    notBefore: new Date(Date.now() - 3.6e6),
    notAfter: new Date(Date.now() + 8.64e7),
    extensions: caExts(),
  });
  const ik = await keys();
  const inter = await x509.X509CertificateGenerator.create({
    serialNumber: '02',
    subject: `CN=${name}-intermediate`,
    issuer: root.subject,
    publicKey: ik.publicKey,
    signingKey: rk.privateKey,
    signingAlgorithm: ALG,
    notBefore: new Date(Date.now() - 3.6e6),
    notAfter: new Date(Date.now() + 8.64e7),
    extensions: caExts(),
  });
  return {
    root: Buffer.from(root.rawData),
    rootPem: root.toString('pem'),
    intermediate: Buffer.from(inter.rawData),
    intermediateKey: ik.privateKey,
    rootKey: rk.privateKey,
  };
}

let serial = 100;

export interface LeafOptions {
  poison?: 'valid' | 'non-critical' | 'none';
  scts?: Sct[];
  serialHex?: string;
  /** Sign with the root instead of the intermediate. */
  byRoot?: boolean;
  /** The subject key pair (reuse the precertificate's for its final certificate). */
  keys?: webcrypto.CryptoKeyPair;
}

/** A Fulcio-like leaf (10 minutes, digitalSignature) with or without poison / an SCT list. */
export async function issueLeaf(
  ca: TestCa,
  o: LeafOptions = {},
): Promise<{ der: Buffer; serialHex: string; keys: webcrypto.CryptoKeyPair }> {
  const lk = o.keys ?? (await keys());
  const serialHex = o.serialHex ?? (serial++).toString(16).padStart(4, '0');
  const exts: x509.Extension[] = [new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true)];
  if (o.poison === 'valid' || o.poison === 'non-critical')
    exts.push(new x509.Extension(OID_CT_POISON, o.poison === 'valid', new Uint8Array([5, 0])));
  if (o.scts) exts.push(new x509.Extension(OID_SCT_LIST, false, sctListExtensionValue(o.scts)));
  const issuer = new x509.X509Certificate(o.byRoot ? ca.root : ca.intermediate);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialHex,
    subject: '',
    issuer: issuer.subject,
    publicKey: lk.publicKey,
    signingKey: o.byRoot ? ca.rootKey : ca.intermediateKey,
    signingAlgorithm: ALG,
    notBefore: new Date(1_700_000_000_000),
    notAfter: new Date(1_700_000_600_000),
    extensions: exts,
  });
  return { der: Buffer.from(cert.rawData), serialHex, keys: lk };
}
