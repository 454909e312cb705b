import 'reflect-metadata';
import { X509Certificate, createPublicKey, generateKeyPairSync, webcrypto } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as x509 from '@peculiar/x509';
import { X509Certificate as SigstoreCert } from '@sigstore/core';
import { verifySCTs } from '@sigstore/verify/dist/key/sct.js';
import { describe, expect, it } from 'vitest';
import {
  OID_CT_POISON,
  OID_SCT_LIST,
  certificateExtensions,
  ctLogKey,
  decodeSct,
  decodeSctList,
  decodeSctListExtensionValue,
  embeddedScts,
  encodeSct,
  encodeSctList,
  poisonState,
  precertEntry,
  sctFromJson,
  sctListExtensionValue,
  sctToJson,
  signSct,
  tbsWithoutExtension,
  verifyEmbeddedScts,
  verifySct,
  x509Entry,
} from './index.ts';
import type { CtLogKey, Sct } from './index.ts';

const VEC = new URL('../../../test/vectors/rekor/', import.meta.url).pathname;
const json = (p: string): unknown => JSON.parse(readFileSync(`${VEC}${p}`, 'utf8'));

interface TrustedRootJson {
  ctlogs: { publicKey: { rawBytes: string; validFor: { start: string; end?: string } } }[];
  certificateAuthorities: { certChain: { certificates: { rawBytes: string }[] } }[];
}
const root = json('public-good/trusted_root.json') as TrustedRootJson;
const ctKeys: CtLogKey[] = root.ctlogs.map((l) =>
  ctLogKey(Buffer.from(l.publicKey.rawBytes, 'base64'), {
    validFrom: new Date(l.publicKey.validFor.start),
    ...(l.publicKey.validFor.end ? { validUntil: new Date(l.publicKey.validFor.end) } : {}),
  }),
);
const caCerts = root.certificateAuthorities.flatMap((ca) =>
  ca.certChain.certificates.map((c) => Buffer.from(c.rawBytes, 'base64')),
);

function leafOf(file: string): Buffer {
  const vm = (
    json(file) as {
      verificationMaterial: Record<string, { rawBytes: string; certificates?: { rawBytes: string }[] }>;
    }
  ).verificationMaterial;
  const raw = vm.certificate?.rawBytes ?? vm.x509CertificateChain?.certificates?.[0]?.rawBytes;
  return Buffer.from(raw as string, 'base64');
}

function issuerOf(leaf: Buffer): Buffer {
  const l = new X509Certificate(leaf);
  const found = caCerts.find(
    (c) => l.checkIssued(new X509Certificate(c)) && l.verify(new X509Certificate(c).publicKey),
  );
  if (!found) throw new Error('issuer not in the trusted root');
  return found;
}

/** sigstore-js wants an ArrayBuffer-backed Buffer. */
const ab = (b: Buffer): Buffer<ArrayBuffer> => Buffer.from(new Uint8Array(b));

const BUNDLES = [
  'sigstore-js/client/bundles/valid/v1-message-signature-with-signing-cert.json', // 2022, ctfe "test" key
  'sigstore-js/client/bundles/valid/v3-dsse-with-signing-cert.json', // 2024, ctfe 2022 key
];

describe('SCTs in real public-good Fulcio certificates', () => {
  it.each(BUNDLES)('%s: the embedded SCT verifies with the public-good CT key', (file) => {
    const leaf = leafOf(file);
    const scts = verifyEmbeddedScts(leaf, issuerOf(leaf), ctKeys);
    expect(scts.length).toBeGreaterThan(0);
    // the same fields sigstore-js's own parser reads
    const theirs = SigstoreCert.parse(ab(leaf)).extSCT?.signedCertificateTimestamps ?? [];
    expect(theirs.map((s) => Buffer.from(s.logID).toString('hex'))).toEqual(
      scts.map((s) => s.logId.toString('hex')),
    );
    expect(theirs.map((s) => s.datetime.getTime())).toEqual(scts.map((s) => s.timestamp));
    // our TLS encoding reproduces the certificate's extension bytes exactly
    const ext = certificateExtensions(leaf).find((e) => e.oid === OID_SCT_LIST);
    expect(sctListExtensionValue(scts).equals(ext?.value as Buffer)).toBe(true);
  });

  it('fails with the wrong issuer, a log missing from the root, or an SCT outside the log window', () => {
    const leaf = leafOf(BUNDLES[1] as string);
    const issuer = issuerOf(leaf);
    const other = caCerts.find((c) => !c.equals(issuer)) as Buffer;
    expect(() => verifyEmbeddedScts(leaf, other, ctKeys)).toThrow(
      expect.objectContaining({ code: 'CT_SCT_SIGNATURE' }),
    );
    const [sct] = embeddedScts(leaf) as [Sct];
    const others = ctKeys.filter((k) => !k.logId.equals(sct.logId));
    expect(() => verifyEmbeddedScts(leaf, issuer, others)).toThrow(
      expect.objectContaining({ code: 'CT_SCT_UNKNOWN_LOG' }),
    );
    const expired = ctKeys.map((k) => ({ ...k, validUntil: new Date(sct.timestamp - 1) }));
    expect(() => verifyEmbeddedScts(leaf, issuer, expired)).toThrow(
      expect.objectContaining({ code: 'CT_SCT_UNKNOWN_LOG' }),
    );
    const tampered = { ...sct, timestamp: sct.timestamp + 1 };
    expect(() => verifySct(tampered, precertEntry(leaf, issuer), ctKeys)).toThrow(
      expect.objectContaining({ code: 'CT_SCT_SIGNATURE' }),
    );
  });
});

describe('SCT codec', () => {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const logKey = ctLogKey(createPublicKey(privateKey));
  const cert = leafOf(BUNDLES[0] as string);
  const sct = signSct(privateKey, 1_700_000_000_123, x509Entry(cert));

  it('round-trips the TLS, list, extension and JSON forms', () => {
    expect(decodeSct(encodeSct(sct))).toEqual(sct);
    expect(decodeSctList(encodeSctList([sct, sct]))).toEqual([sct, sct]);
    expect(decodeSctListExtensionValue(sctListExtensionValue([sct]))).toEqual([sct]);
    expect(sctFromJson(JSON.parse(JSON.stringify(sctToJson(sct))))).toEqual(sct);
    expect(sctToJson(sct)).toMatchObject({ sct_version: 0, extensions: '', timestamp: 1_700_000_000_123 });
    expect(verifySct(sct, x509Entry(cert), [logKey]).logId.equals(sct.logId)).toBe(true);
  });

  it('rejects truncated, padded and malformed encodings', () => {
    const tls = encodeSct(sct);
    const bad = (f: () => unknown): void =>
      expect(f).toThrow(expect.objectContaining({ code: 'CT_SCT_INVALID' }));
    bad(() => decodeSct(tls.subarray(0, tls.length - 1)));
    bad(() => decodeSct(Buffer.concat([tls, Buffer.from([0])])));
    bad(() => decodeSct(Buffer.concat([Buffer.from([1]), tls.subarray(1)])));
    bad(() => decodeSctList(Buffer.from([0, 0])));
    bad(() => decodeSctList(Buffer.from([0, 2, 0, 0])));
    bad(() => decodeSctListExtensionValue(encodeSctList([sct])));
    bad(() => sctFromJson({ ...sctToJson(sct), sct_version: 1 }));
    bad(() => sctFromJson({ ...sctToJson(sct), id: 'AAAA' }));
    bad(() => sctFromJson({ ...sctToJson(sct), signature: 'BAMAAQ==' }));
    bad(() => sctFromJson('nope'));
    expect(() => encodeSctList([])).toThrow(expect.objectContaining({ code: 'CT_SCT_INVALID' }));
  });
});

describe('precertificate flow with a generated CA (RFC 6962 §3.1)', () => {
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const { privateKey: logPriv } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const logKey = ctLogKey(createPublicKey(logPriv));

  async function leafPair(): Promise<{ pre: Buffer; final: Buffer; issuer: Buffer }> {
    const caKeys = (await webcrypto.subtle.generateKey(alg, true, [
      'sign',
      'verify',
    ])) as webcrypto.CryptoKeyPair;
    const ca = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: '01',
      name: 'CN=test-ca',
      keys: caKeys,
      signingAlgorithm: alg,
      notBefore: new Date(0),
      extensions: [new x509.BasicConstraintsExtension(true, undefined, true)],
    });
    const leafKeys = (await webcrypto.subtle.generateKey(alg, true, [
      'sign',
      'verify',
    ])) as webcrypto.CryptoKeyPair;
    const common = {
      serialNumber: '2a',
      issuer: ca.subject,
      subject: '',
      notBefore: new Date(1e12),
      notAfter: new Date(1e12 + 6e5),
      publicKey: leafKeys.publicKey,
      signingKey: caKeys.privateKey,
      signingAlgorithm: alg,
    };
    const ku = new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true);
    const poison = new x509.Extension(OID_CT_POISON, true, new Uint8Array([5, 0]));
    const pre = Buffer.from(
      (await x509.X509CertificateGenerator.create({ ...common, extensions: [ku, poison] })).rawData,
    );
    const issuer = Buffer.from(ca.rawData);
    const sct = signSct(logPriv, 1e12 + 1, precertEntry(pre, issuer));
    const list = new x509.Extension(OID_SCT_LIST, false, sctListExtensionValue([sct]));
    const final = Buffer.from(
      (await x509.X509CertificateGenerator.create({ ...common, extensions: [ku, list] })).rawData,
    );
    return { pre, final, issuer };
  }

  it('the SCT over the precert verifies in the final certificate, with ours and with sigstore-js', async () => {
    const { pre, final, issuer } = await leafPair();
    expect(poisonState(pre)).toBe('valid');
    expect(poisonState(final)).toBe('absent');
    expect(tbsWithoutExtension(pre, OID_CT_POISON).equals(tbsWithoutExtension(final, OID_SCT_LIST))).toBe(
      true,
    );
    expect(verifyEmbeddedScts(final, issuer, [logKey])).toHaveLength(1);
    const logs = [
      {
        baseURL: 'http://ct.test',
        logID: ab(logKey.logId),
        publicKey: logKey.publicKey,
        validFor: { start: new Date(0), end: new Date(8.64e15) },
      },
    ];
    expect(verifySCTs(SigstoreCert.parse(ab(final)), SigstoreCert.parse(ab(issuer)), logs)).toHaveLength(1);
    const other = await leafPair();
    expect(() => verifyEmbeddedScts(final, other.issuer, [logKey])).toThrow(
      expect.objectContaining({ code: 'CT_SCT_SIGNATURE' }),
    );
    expect(() => embeddedScts(pre)).toThrow(expect.objectContaining({ code: 'CT_SCT_MISSING' }));
  });
});
