import { describe, expect, it } from 'vitest';
import type { SignedRecord } from '../../core/signed.ts';
import {
  bundleAnnotation,
  cosignConfig,
  cosignManifest,
  cosignTag,
  layerAnnotations,
  layerDescriptor,
} from './layout.ts';

const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;
const bundle = {
  SignedEntryTimestamp: 'U0VU',
  Payload: { body: 'e30=', integratedTime: 1700000000, logIndex: 42, logID: 'ab'.repeat(32) },
};

describe('cosign legacy layout bytes (https://github.com/sigstore/cosign/blob/main/specs/SIGNATURE_SPEC.md)', () => {
  it('names tags after the manifest digest', () => {
    expect(cosignTag(D1, 'sig')).toBe(`sha256-${'1'.repeat(64)}.sig`);
    expect(cosignTag(D1, 'att')).toBe(`sha256-${'1'.repeat(64)}.att`);
  });

  it('writes ggcr empty-image config with one history entry and diff_id per layer', () => {
    const layers = [D1, D2].map((digest) => ({ mediaType: 'x', size: 1, digest }));
    expect(cosignConfig(layers).toString()).toBe(
      '{"architecture":"","created":"0001-01-01T00:00:00Z","history":[{"created":"0001-01-01T00:00:00Z"},' +
        `{"created":"0001-01-01T00:00:00Z"}],"os":"","rootfs":{"type":"layers","diff_ids":["${D1}","${D2}"]},"config":{}}`,
    );
  });

  it('orders manifest and descriptor fields as go-containerregistry does', () => {
    const layer = layerDescriptor('application/vnd.dev.cosign.simplesigning.v1+json', Buffer.from('{}'), {
      a: 'b',
    });
    const config = cosignConfig([layer]);
    const m = cosignManifest(config, [layer]).toString();
    expect(m).toMatch(
      /^\{"schemaVersion":2,"mediaType":"application\/vnd.oci.image.manifest.v1\+json","config":\{"mediaType":"application\/vnd.oci.image.config.v1\+json","size":\d+,"digest":"sha256:[0-9a-f]{64}"\},"layers":\[\{"mediaType":"application\/vnd.dev.cosign.simplesigning.v1\+json","size":2,"digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","annotations":\{"a":"b"\}\}\]\}$/,
    );
  });

  it('annotates signatures, certificates and bundles, keys sorted; attestations get an empty signature', () => {
    const cert: SignedRecord = {
      kind: 'simplesigning',
      bytes: Buffer.from('p'),
      signature: 'c2ln',
      identity: { kind: 'certificate', certificatePem: 'CERT', chainPem: '', publicKeyPem: 'PUB' },
      bundle,
    };
    expect(Object.entries(layerAnnotations(cert))).toEqual([
      ['dev.cosignproject.cosign/signature', 'c2ln'],
      ['dev.sigstore.cosign/bundle', bundleAnnotation(bundle)],
      ['dev.sigstore.cosign/certificate', 'CERT'],
      ['dev.sigstore.cosign/chain', ''],
    ]);
    const att: SignedRecord = {
      kind: 'dsse',
      bytes: Buffer.from('{}'),
      signature: 'x',
      identity: { kind: 'publicKey', publicKeyPem: 'PUB' },
    };
    expect(layerAnnotations(att, 'https://slsa.dev/provenance/v1')).toEqual({
      'dev.cosignproject.cosign/signature': '',
      predicateType: 'https://slsa.dev/provenance/v1',
    });
  });

  it('serialises the Rekor bundle annotation with Go field names and order', () => {
    expect(bundleAnnotation(bundle)).toBe(
      `{"SignedEntryTimestamp":"U0VU","Payload":{"body":"e30=","integratedTime":1700000000,"logIndex":42,"logID":"${'ab'.repeat(32)}"}}`,
    );
  });
});
