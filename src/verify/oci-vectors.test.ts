import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { encodePem } from '../core/encoding.ts';
import { hasCode } from '../core/errors.ts';
import type { RekorBundle } from '../core/signed.ts';
import { loadPublicKey } from '../keys/index.ts';
import type { StoredLayer } from '../storage/oci/reader.ts';
import { filterPredicateType, verifyAttestationBundle, verifyAttestationLayer } from './attestation.ts';
import { predicateTypeFor } from '../provenance/cosign-attest.ts';
import { VECTORS } from '../../test/setup/env.ts';

const DSSE = `${VECTORS}cosign-keys/dsse/`;
const blobDigest = `sha256:${createHash('sha256').update('some-payload').digest('hex')}`;
const layer = (file: string): StoredLayer => ({
  mediaType: 'application/vnd.dsse.envelope.v1+json',
  digest: 'sha256:vector',
  annotations: { 'dev.cosignproject.cosign/signature': '' },
  bytes: readFileSync(`${DSSE}${file}`),
});

describe('cosign verify-blob-attestation vectors (cosign-keys/dsse) through the .att layer checks', () => {
  const publicKey = loadPublicKey(readFileSync(`${DSSE}cosign.pub`));
  const ok: [string, string][] = [
    ['slsa-provenance-v02.dsse.json', 'slsaprovenance'],
    ['multiple-subjects.dsse.json', 'slsaprovenance'],
  ];
  it.each(ok)('%s verifies and matches --type %s but not --type custom', async (file, type) => {
    const v = await verifyAttestationLayer(layer(file), blobDigest, { publicKey });
    expect(filterPredicateType([v], predicateTypeFor(type))).toHaveLength(1);
    expect(() => filterPredicateType([v], predicateTypeFor('custom'))).toThrow(
      /none of the attestations matched the predicate type: https:\/\/cosign.sigstore.dev\/attestation\/v1, found: https:\/\/slsa.dev\/provenance\/v0.2/,
    );
  });

  it.each(['empty-subject.dsse.json', 'missing-sha256.dsse.json', 'multiple-subjects-invalid.dsse.json'])(
    '%s is rejected by the subject claim',
    async (file) => {
      const e = await verifyAttestationLayer(layer(file), blobDigest, { publicKey }).catch((x: unknown) => x);
      expect(hasCode(e, 'CLAIMS_MISMATCH')).toBe(true);
    },
  );

  it('the good envelope fails for another digest (cosign: blob another-blob)', async () => {
    const other = `sha256:${createHash('sha256').update('another-blob').digest('hex')}`;
    const e = await verifyAttestationLayer(layer('slsa-provenance-v02.dsse.json'), other, {
      publicKey,
    }).catch((x: unknown) => x);
    expect(hasCode(e, 'CLAIMS_MISMATCH')).toBe(true);
  });
});

describe('a bundle cosign v3 wrote for an OCI attestation (rekor/cosign/oci-attestation.sigstore.json)', () => {
  const text = readFileSync(`${VECTORS}rekor/cosign/oci-attestation.sigstore.json`);
  const json = JSON.parse(text.toString()) as {
    verificationMaterial: { certificate: { rawBytes: string } };
    dsseEnvelope: { payload: string };
  };
  const publicKey = loadPublicKey(
    encodePem('CERTIFICATE', Buffer.from(json.verificationMaterial.certificate.rawBytes, 'base64')),
  );
  const statement = JSON.parse(Buffer.from(json.dsseEnvelope.payload, 'base64').toString()) as {
    subject: { digest: { sha256: string } }[];
  };
  const digest = `sha256:${statement.subject[0]?.digest.sha256}`;
  const stored = { manifestDigest: 'sha256:vector', annotations: {}, bundle: text };

  it('verifies with the certificate key, hands its tlog entry to the hook, and filters by type', async () => {
    const seen: (RekorBundle | undefined)[] = [];
    const v = await verifyAttestationBundle(stored, digest, {
      publicKey,
      checkBundle: async (b) => void seen.push(b),
    });
    expect(v.statement.predicateType).toBe('https://cosign.sigstore.dev/attestation/v1');
    expect(filterPredicateType([v], predicateTypeFor('custom'))).toHaveLength(1);
    expect(seen[0]?.Payload.logIndex).toBe(175508996);
    expect(seen[0]?.Payload.logID).toMatch(/^[0-9a-f]{64}$/);
  });

  it('fails for another image digest and for another key', async () => {
    const wrong = await verifyAttestationBundle(stored, `sha256:${'0'.repeat(64)}`, { publicKey }).catch(
      (x: unknown) => x,
    );
    expect(hasCode(wrong, 'CLAIMS_MISMATCH')).toBe(true);
    const otherKey = loadPublicKey(readFileSync(`${DSSE}cosign.pub`));
    const bad = await verifyAttestationBundle(stored, digest, { publicKey: otherKey }).catch(
      (x: unknown) => x,
    );
    expect(hasCode(bad, 'SIGNATURE_MISMATCH')).toBe(true);
  });
});
