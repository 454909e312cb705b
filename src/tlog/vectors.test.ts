import { createPublicKey } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canonicalize } from '../core/json.ts';
import { encodePem } from '../core/encoding.ts';
import { proposeDsse, proposeHashedRekord, proposeIntoto } from './client/index.ts';
import type { LogEntry } from './client/index.ts';
import { acceptProposed } from './server/kinds/index.ts';
import { verifyLogEntry, verifyRekorBundle } from '../verify/tlog.ts';
import { hashLeaf } from '../core/merkle.ts';
import { VECTORS } from '../../test/setup/env.ts';

const R = join(VECTORS, 'rekor');
const read = (p: string): string => readFileSync(join(R, p), 'utf8');
const rekorKey = createPublicKey(read('public-good/rekor.pub'));
const b64hex = (s: string): string => Buffer.from(s, 'base64').toString('hex');

interface BundleEntry {
  logIndex: string;
  logId: { keyId: string };
  integratedTime: string;
  inclusionPromise?: { signedEntryTimestamp: string };
  inclusionProof?: {
    logIndex: string;
    rootHash: string;
    treeSize: string;
    hashes: string[];
    checkpoint: { envelope: string };
  };
  canonicalizedBody: string;
}
interface Bundle {
  verificationMaterial: {
    tlogEntries?: BundleEntry[];
    certificate?: { rawBytes: string };
    x509CertificateChain?: { certificates: { rawBytes: string }[] };
  };
  dsseEnvelope?: { payload: string; payloadType: string; signatures: { sig: string; keyid?: string }[] };
  messageSignature?: { messageDigest: { digest: string }; signature: string };
}

/** Convert a bundle's v1 tlog entry back to the Rekor LogEntry JSON it came from (https://github.com/sigstore/rekor/blob/main/openapi.yaml). */
function toLogEntry(e: BundleEntry): LogEntry {
  const p = e.inclusionProof;
  const body = Buffer.from(e.canonicalizedBody, 'base64');
  return {
    [hashLeaf(body).toString('hex')]: {
      body: e.canonicalizedBody,
      integratedTime: Number(e.integratedTime),
      logID: b64hex(e.logId.keyId),
      logIndex: Number(e.logIndex),
      verification: {
        signedEntryTimestamp: e.inclusionPromise?.signedEntryTimestamp,
        ...(p
          ? {
              inclusionProof: {
                checkpoint: p.checkpoint.envelope,
                hashes: p.hashes.map(b64hex),
                logIndex: Number(p.logIndex),
                rootHash: b64hex(p.rootHash),
                treeSize: Number(p.treeSize),
              },
            }
          : {}),
      },
    },
  };
}

const bundleFiles = [
  ...readdirSync(join(R, 'sigstore-js/verify/bundles')).map((f) => `sigstore-js/verify/bundles/${f}`),
  ...readdirSync(join(R, 'sigstore-js/client/bundles/valid')).map(
    (f) => `sigstore-js/client/bundles/valid/${f}`,
  ),
  ...readdirSync(join(R, 'sigstore-js/client/bundles/invalid')).map(
    (f) => `sigstore-js/client/bundles/invalid/${f}`,
  ),
  'cosign/oci-attestation.sigstore.json',
];
const v1Entries = bundleFiles.flatMap((f) =>
  ((JSON.parse(read(f)) as Bundle).verificationMaterial.tlogEntries ?? [])
    .filter((e) => e.inclusionPromise)
    .map((e) => [f, e] as const),
);

describe('public-good Rekor v1 entries verify with our verifier', () => {
  it('covers every v1 entry with a SET (and the ones with proofs)', () => {
    expect(v1Entries.length).toBe(13);
    expect(v1Entries.filter(([, e]) => e.inclusionProof).length).toBe(4);
  });
  it.each(v1Entries)('%s', (_f, e) => {
    const entry = toLogEntry(e);
    const v = verifyLogEntry(entry, rekorKey, { requireProof: false, baseUrl: 'https://rekor.sigstore.dev' });
    expect(v.checkpoint !== null).toBe(e.inclusionProof !== undefined);
    const value = Object.values(entry)[0]!;
    verifyRekorBundle(
      {
        SignedEntryTimestamp: e.inclusionPromise!.signedEntryTimestamp,
        Payload: {
          body: value.body,
          integratedTime: value.integratedTime,
          logIndex: value.logIndex,
          logID: value.logID,
        },
      },
      rekorKey,
    );
  });
  it.each(v1Entries)('rejects a tampered copy of %s', (_f, e) => {
    const entry = toLogEntry(e);
    const value = Object.values(entry)[0]!;
    const bad = {
      ...entry,
      [Object.keys(entry)[0]!]: { ...value, integratedTime: value.integratedTime + 1 },
    };
    expect(() => verifyLogEntry(bad, rekorKey, { requireProof: false })).toThrow(/signed entry timestamp/);
    if (e.inclusionProof) {
      const p = value.verification!.inclusionProof!;
      const wrong = { ...p, hashes: [...p.hashes].reverse() };
      const badProof = {
        [Object.keys(entry)[0]!]: {
          ...value,
          verification: { ...value.verification, inclusionProof: wrong },
        },
      };
      expect(() => verifyLogEntry(badProof, rekorKey)).toThrow(/inclusion proof/);
    }
  });
});

function certPem(b: Bundle): string {
  const raw =
    b.verificationMaterial.certificate?.rawBytes ??
    b.verificationMaterial.x509CertificateChain?.certificates[0]?.rawBytes;
  return encodePem('CERTIFICATE', Buffer.from(raw ?? '', 'base64'));
}
const body = (name: string): string => readFileSync(join(R, 'canonical-bodies', name), 'utf8');
const canonicalOf = (p: unknown): string => canonicalize(acceptProposed(p).canonical);

describe('canonical bodies are reproduced byte for byte from their proposed inputs', () => {
  it.each([
    [
      'sigstore-js/verify/bundles/v1-message-signature-with-signing-cert.json',
      'hashedrekord-0.0.1-logindex-6757503.json',
    ],
    [
      'sigstore-js/client/bundles/invalid/v1-message-signature-invalid-expired-cert.json',
      'hashedrekord-0.0.1-logindex-6175802.json',
    ],
  ])('hashedrekord %s', (file, want) => {
    const b = JSON.parse(read(file)) as Bundle;
    const m = b.messageSignature!;
    const p = proposeHashedRekord(b64hex(m.messageDigest.digest), m.signature, certPem(b));
    expect(canonicalOf(p)).toBe(body(want));
  });
  it.each([
    [
      'sigstore-js/verify/bundles/v1-dsse-with-signing-cert-tlog-dsse.json',
      'dsse-0.0.1-logindex-22797666.json',
    ],
    ['sigstore-js/client/bundles/valid/v3-dsse-with-signing-cert.json', 'dsse-0.0.1-logindex-83460520.json'],
  ])('dsse (sigstore-js envelope order) %s', (file, want) => {
    const b = JSON.parse(read(file)) as Bundle;
    expect(canonicalOf(proposeDsse(JSON.stringify(b.dsseEnvelope), certPem(b)))).toBe(body(want));
  });
  it('dsse (Go cosign envelope order) cosign/oci-attestation', () => {
    const b = JSON.parse(read('cosign/oci-attestation.sigstore.json')) as Bundle;
    const e = b.dsseEnvelope!;
    const env = JSON.stringify({
      payloadType: e.payloadType,
      payload: e.payload,
      signatures: e.signatures.map((s) => ({ keyid: s.keyid ?? '', sig: s.sig })),
    });
    expect(canonicalOf(proposeDsse(env, certPem(b)))).toBe(body('dsse-0.0.1-logindex-175508996.json'));
  });
  it('intoto 0.0.2 (sigstore-js legacy) 6751924', () => {
    const b = JSON.parse(
      read('sigstore-js/verify/bundles/v1-dsse-with-signing-cert-tlog-intoto.json'),
    ) as Bundle;
    const e = b.dsseEnvelope!;
    const env = JSON.stringify({
      payload: e.payload,
      payloadType: e.payloadType,
      signatures: e.signatures.map((s) => ({ sig: s.sig })),
    });
    expect(canonicalOf(proposeIntoto(env, certPem(b), '0.0.2'))).toBe(
      body('intoto-0.0.2-logindex-6751924.json'),
    );
  });
  it('rekor testdata proposed entries are accepted (signatures verify) and a bad signature is not', () => {
    const dir = 'rekor/pkg/generated/models/testdata/';
    for (const f of ['hashedrekord.json', 'dsse.json'])
      expect(() => acceptProposed(JSON.parse(read(dir + f)))).not.toThrow();
    const intoto = JSON.parse(read(`${dir}intoto.json`)) as { apiVersion: string };
    intoto.apiVersion = '0.0.1'; // upstream labels a 0.0.1-shaped body 0.0.2
    const a = acceptProposed(intoto);
    expect(
      (a.canonical as { spec: { content: { hash: { value: string } } } }).spec.content.hash.value,
    ).toMatch(/^7fa2e20d/);
    const bad = JSON.parse(read(`${dir}hashedrekord.json`)) as {
      spec: { data: { hash: { value: string } } };
    };
    bad.spec.data.hash.value = 'a'.repeat(64);
    expect(() => acceptProposed(bad)).toThrow(
      expect.objectContaining({
        code: 'TLOG_SIGNATURE_INVALID',
        message: expect.stringMatching(/verifying signature/),
      }),
    );
  });
});
