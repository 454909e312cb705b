import { createHash, createPublicKey, generateKeyPairSync, hash, randomUUID, sign } from 'node:crypto';
import { join } from 'node:path';
import { bundleFromJSON, bundleToJSON } from '@sigstore/bundle';
import type { Bundle } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { DSSEBundleBuilder, MessageSignatureBundleBuilder, RekorWitness } from '@sigstore/sign';
import type { Signer } from '@sigstore/sign';
import { Verifier, toSignedEntity, toTrustMaterial } from '@sigstore/verify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { privateKeyMaterial } from '../../src/keys/index.ts';
import { KeySigner, signRaw } from '../../src/signing/index.ts';
import {
  RekorClient,
  proposeHashedRekord,
  toBundleTlogEntry,
  verifyLogEntry,
} from '../../src/tlog/client/index.ts';
import { startLogServer } from '../../src/tlog/server/index.ts';
import type { RunningLogServer } from '../../src/tlog/server/index.ts';
import { TestSigner, sha, tempDir } from './helpers.ts';

let srv: RunningLogServer;
const me = new TestSigner();
const signer: Signer = {
  sign: async (data) => ({
    signature: sign('sha256', data, me.privateKey),
    key: { $case: 'publicKey', publicKey: me.publicKeyPem, hint: 'test-key' },
  }),
};

beforeAll(async () => {
  srv = await startLogServer({ dbPath: join(tempDir(), 'log.db'), addr: '127.0.0.1:0' });
});
afterAll(async () => srv?.close());

/** A trusted root naming only our log (https://github.com/sigstore/rekor/blob/main/openapi.yaml), and a verifier that requires a tlog entry. */
function verifier(logKeyPem = srv.publicKeyPem, signerPem = me.publicKeyPem): Verifier {
  const der = createPublicKey(logKeyPem).export({ type: 'spki', format: 'der' });
  const root = TrustedRoot.fromJSON({
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [
      {
        baseUrl: srv.url,
        hashAlgorithm: 'SHA2_256',
        publicKey: {
          rawBytes: der.toString('base64'),
          keyDetails: 'PKIX_ECDSA_P256_SHA_256',
          validFor: { start: '2000-01-01T00:00:00Z' },
        },
        logId: { keyId: createHash('sha256').update(der).digest('base64') },
      },
    ],
    certificateAuthorities: [],
    ctlogs: [],
    timestampAuthorities: [],
  });
  const trust = toTrustMaterial(root, () => ({
    publicKey: createPublicKey(signerPem),
    validFor: () => true,
  }));
  return new Verifier(trust, { tlogThreshold: 1, ctlogThreshold: 0, timestampThreshold: 1 });
}

const roundTrip = (b: Bundle): Bundle => bundleFromJSON(JSON.parse(JSON.stringify(bundleToJSON(b))));

describe('sigstore-js as an independent client and verifier', () => {
  it.each(['dsse', 'intoto'] as const)(
    'RekorWitness posts a %s entry; @sigstore/verify accepts it',
    async (entryType) => {
      const witness = new RekorWitness({ rekorBaseURL: srv.url, entryType, fetchOnConflict: true });
      const builder = new DSSEBundleBuilder({ signer, witnesses: [witness] });
      const statement = Buffer.from(
        JSON.stringify({
          _type: 'https://in-toto.io/Statement/v1',
          subject: [{ name: 'x', digest: { sha256: sha(entryType) } }],
          predicateType: 'p',
          predicate: {},
        }),
      );
      const bundle = await builder.create({ data: statement, type: 'application/vnd.in-toto+json' });
      const tle = bundle.verificationMaterial.tlogEntries[0];
      expect(tle?.kindVersion).toEqual({
        kind: entryType,
        version: entryType === 'dsse' ? '0.0.1' : '0.0.2',
      });
      expect(tle?.inclusionProof?.checkpoint?.envelope).toContain(`${srv.log.origin}\n`);
      verifier().verify(toSignedEntity(roundTrip(bundle)));
      // our own verifier agrees on the same entry
      const uuid = createHash('sha256')
        .update(Buffer.concat([Buffer.from([0]), tle!.canonicalizedBody]))
        .digest('hex');
      verifyLogEntry(await new RekorClient(srv.url).getEntry(uuid), srv.publicKeyPem);
      // and the search index finds the attestation by subject digest, as rekor-cli search --sha would
      expect(await new RekorClient(srv.url).search({ hash: `sha256:${sha(entryType)}` })).toHaveLength(1);
    },
  );

  it('RekorWitness posts a hashedrekord message signature; verified with the artifact', async () => {
    const witness = new RekorWitness({ rekorBaseURL: srv.url, fetchOnConflict: true });
    const builder = new MessageSignatureBundleBuilder({ signer, witnesses: [witness] });
    const artifact = Buffer.from('hello, world!');
    const bundle = await builder.create({ data: artifact });
    verifier().verify(toSignedEntity(roundTrip(bundle), artifact));
    expect(() => verifier().verify(toSignedEntity(roundTrip(bundle), Buffer.from('goodbye')))).toThrow();
  });

  it('a duplicate upload goes through 409 + fetchOnConflict and still verifies', async () => {
    const fixed: Signer = {
      sign: async () => ({
        signature: Buffer.from(sig),
        key: { $case: 'publicKey', publicKey: me.publicKeyPem, hint: 'k' },
      }),
    };
    const artifact = Buffer.from('same bytes');
    const sig = sign('sha256', artifact, me.privateKey);
    const mk = (): MessageSignatureBundleBuilder =>
      new MessageSignatureBundleBuilder({
        signer: fixed,
        witnesses: [new RekorWitness({ rekorBaseURL: srv.url, fetchOnConflict: true })],
      });
    const a = await mk().create({ data: artifact });
    const b = await mk().create({ data: artifact });
    expect(b.verificationMaterial.tlogEntries[0]?.logIndex).toBe(
      a.verificationMaterial.tlogEntries[0]?.logIndex,
    );
    verifier().verify(toSignedEntity(roundTrip(b), artifact));
  });

  it('a bundle assembled from our client entry (toBundleTlogEntry) verifies in sigstore-js', async () => {
    const d = me.dsse(sha('ours'));
    const entry = await new RekorClient(srv.url, { logPublicKey: srv.publicKeyPem }).createEntry(d.proposed);
    const env = JSON.parse(d.envelope) as {
      payload: string;
      payloadType: string;
      signatures: { sig: string; keyid: string }[];
    };
    const json = {
      mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
      verificationMaterial: { publicKey: { hint: 'test-key' }, tlogEntries: [toBundleTlogEntry(entry)] },
      dsseEnvelope: env,
    };
    verifier().verify(toSignedEntity(bundleFromJSON(json)));
  });

  it('sigstore-js rejects our entries under another log key, and a tampered proof', async () => {
    const witness = new RekorWitness({ rekorBaseURL: srv.url, entryType: 'dsse' });
    const bundle = await new DSSEBundleBuilder({ signer, witnesses: [witness] }).create({
      data: Buffer.from('{}'),
      type: 'application/vnd.in-toto+json',
    });
    expect(() => verifier(new TestSigner().publicKeyPem).verify(toSignedEntity(roundTrip(bundle)))).toThrow();
    const json = bundleToJSON(bundle) as {
      verificationMaterial: { tlogEntries: { inclusionProof: { hashes: string[] } }[] };
    };
    const t = json.verificationMaterial.tlogEntries[0]!;
    expect(t.inclusionProof.hashes.length).toBeGreaterThan(0);
    t.inclusionProof.hashes[0] = Buffer.alloc(32, 1).toString('base64');
    expect(() => verifier().verify(toSignedEntity(bundleFromJSON(json)))).toThrow();
  });
});

describe('sigstore-js verifies what our signers log for each key type', () => {
  const PROTO_HASH = { sha256: 'SHA2_256', sha384: 'SHA2_384', sha512: 'SHA2_512' } as const;
  // Ed25519 is not applicable: sigstore-js verifies message signatures with a digest algorithm, which Node's
  // Ed25519 refuses, and it has no Ed25519ph.
  it.each([
    ['P-256', () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' })],
    ['P-384', () => generateKeyPairSync('ec', { namedCurve: 'secp384r1' })],
    ['P-521', () => generateKeyPairSync('ec', { namedCurve: 'secp521r1' })],
    ['RSA-3072', () => generateKeyPairSync('rsa', { modulusLength: 3072 })],
  ])('%s: a message signature over the key’s digest, logged as hashedrekord', async (_name, make) => {
    const s = new KeySigner(privateKeyMaterial(make().privateKey));
    const artifact = Buffer.from(`artifact ${randomUUID()}`);
    const rec = await signRaw(s, artifact);
    const alg = s.digestAlgorithm;
    const digest = hash(alg, artifact, 'buffer');
    const entry = await new RekorClient(srv.url, { logPublicKey: srv.publicKeyPem }).createEntry(
      proposeHashedRekord(digest.toString('hex'), rec.signature, s.publicKey.pem, alg),
    );
    const json = {
      mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
      verificationMaterial: { publicKey: { hint: 'k' }, tlogEntries: [toBundleTlogEntry(entry)] },
      messageSignature: {
        messageDigest: { algorithm: PROTO_HASH[alg], digest: digest.toString('base64') },
        signature: rec.signature,
      },
    };
    verifier(srv.publicKeyPem, s.publicKey.pem).verify(toSignedEntity(bundleFromJSON(json), artifact));
    expect(() =>
      verifier(srv.publicKeyPem, s.publicKey.pem).verify(
        toSignedEntity(bundleFromJSON(json), Buffer.from('x')),
      ),
    ).toThrow();
  });
});
