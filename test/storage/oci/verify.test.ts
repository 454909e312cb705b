import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasCode } from '../../../src/core/errors.ts';
import { goMarshal } from '../../../src/core/json.ts';
import type { RekorBundle } from '../../../src/core/signed.ts';
import { privateKeyMaterial } from '../../../src/keys/index.ts';
import { KeySigner, signInToto, signSimpleSigning } from '../../../src/signing/index.ts';
import { RegistryClient } from '../../../src/registry/client.ts';
import { pushBlob } from '../../../src/registry/upload.ts';
import { parseRepository } from '../../../src/registry/reference.ts';
import { startRegistryServer, type RunningRegistry } from '../../../src/registry/server/server.ts';
import type { ImageTarget, StoreRequest } from '../../../src/storage/backend.ts';
import { OciStorageBackend } from '../../../src/storage/oci/backend.ts';
import { BUNDLE_V03_MEDIA_TYPE } from '../../../src/storage/oci/bundle.ts';
import { OciReader } from '../../../src/storage/oci/reader.ts';
import {
  bundleFromJSON,
  isBundleWithDsseEnvelope,
  isBundleWithMessageSignature,
  isBundleWithPublicKey,
} from '@sigstore/bundle';
import { cosignConfig, cosignManifest, cosignTag } from '../../../src/storage/oci/layout.ts';
import { verifyImageSignatures } from '../../../src/verify/image.ts';
import { verifyImageAttestations } from '../../../src/verify/attestation.ts';
import type { TlogSubject } from '../../../src/verify/tlog-hook.ts';
import { clientFor, hostOf, uniqueRepo } from '../../registry/helpers.ts';
import { pushRandomImage } from './helpers.ts';

const signer = new KeySigner(
  privateKeyMaterial(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey),
);
const other = new KeySigner(
  privateKeyMaterial(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey),
);
const RUN = { kind: 'TaskRun' as const, namespace: 'ns', name: 'r', uid: 'u' };
const SLSA1 = 'https://slsa.dev/provenance/v1';

async function codeOf(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(Error);
  return hasCode(e, (e as { code: string }).code) ? (e as { code: string }).code : 'none';
}

function statement(image: ImageTarget, predicateType = SLSA1): Buffer {
  const subject = [{ name: image.repository, digest: { sha256: image.digest.slice(7) } }];
  return Buffer.from(
    goMarshal({ _type: 'https://in-toto.io/Statement/v1', subject, predicateType, predicate: {} }),
  );
}

async function sigReq(image: ImageTarget, s = signer, digest = image.digest): Promise<StoreRequest> {
  const record = await signSimpleSigning(s, image.repository, digest);
  return { what: 'image-signature', run: RUN, record, image, shortKey: 'k', format: 'simplesigning' };
}

async function attReq(
  image: ImageTarget,
  st = statement(image),
  predicateType = SLSA1,
  bundle?: RekorBundle,
): Promise<StoreRequest> {
  const record = { ...(await signInToto(signer, st)), ...(bundle ? { bundle } : {}) };
  return {
    what: 'attestation',
    run: RUN,
    record,
    predicateType,
    subjects: [image],
    shortKey: 'k',
    format: 'in-toto',
  };
}

type Layer = { mediaType: string; size: number; digest: string; annotations: Record<string, string> };

/** Rewrite the `.sig`/`.att` image with `edit` applied to its layers (what an attacker with push rights can do). */
async function tamper(
  c: RegistryClient,
  image: ImageTarget,
  suffix: 'sig' | 'att',
  edit: (l: Layer[]) => Promise<Layer[]>,
): Promise<void> {
  const repo = parseRepository(image.repository);
  const tag = cosignTag(image.digest, suffix);
  const m = JSON.parse((await c.getManifest(repo, tag)).bytes.toString()) as { layers: Layer[] };
  const layers = await edit(m.layers);
  const config = cosignConfig(layers);
  await pushBlob(c, repo, config);
  await c.putManifest(repo, tag, cosignManifest(config, layers));
}

async function replaceBytes(c: RegistryClient, image: ImageTarget, l: Layer, bytes: Buffer): Promise<Layer> {
  const digest = await pushBlob(c, parseRepository(image.repository), bytes);
  return { ...l, digest, size: bytes.length };
}

let embedded: RunningRegistry;
beforeAll(async () => {
  embedded = await startRegistryServer({ addr: '127.0.0.1:0' });
});
afterAll(async () => embedded.close());

describe.each(['docker-registry', 'embedded'])('verification and tampering on %s', (where) => {
  const c = (): RegistryClient => clientFor('plain');
  const host = (): string => (where === 'embedded' ? embedded.host : hostOf('plain'));
  const fresh = (): Promise<ImageTarget> => pushRandomImage(c(), host(), uniqueRepo('verify'));
  const opts = () => ({ client: c(), publicKey: signer.publicKey });
  const ref = (i: ImageTarget): string => `${i.repository}@${i.digest}`;

  it('a signed image verifies; another key, no signatures and an unknown image do not', async () => {
    const image = await fresh();
    await expect(codeOf(verifyImageSignatures(ref(image), opts()))).resolves.toBe('NO_SIGNATURES');
    await new OciStorageBackend({ client: c() }).store(await sigReq(image));
    const r = await verifyImageSignatures(ref(image), opts());
    expect(r.verified).toHaveLength(1);
    expect(r.verified[0]?.claims.critical.image['docker-manifest-digest']).toBe(image.digest);
    await expect(
      codeOf(verifyImageSignatures(ref(image), { client: c(), publicKey: other.publicKey })),
    ).resolves.toBe('NO_MATCHING_SIGNATURES');
    await expect(codeOf(verifyImageSignatures(`${host()}/unknown/image:v1`, opts()))).resolves.toBe(
      'NOT_FOUND',
    );
  });

  it('-a annotations must match the signed optional section', async () => {
    const image = await fresh();
    const record = await signSimpleSigning(signer, image.repository, image.digest, {
      env: 'prod',
      team: 'a',
    });
    await new OciStorageBackend({ client: c() }).store({ ...(await sigReq(image)), record });
    const ok = await verifyImageSignatures(ref(image), { ...opts(), annotations: { env: 'prod' } });
    expect(ok.verified[0]?.claims.optional).toEqual({ env: 'prod', team: 'a' });
    const e = await verifyImageSignatures(ref(image), { ...opts(), annotations: { env: 'dev' } }).catch(
      (x: Error) => x,
    );
    expect(hasCode(e, 'NO_MATCHING_SIGNATURES')).toBe(true);
    expect((e as Error).message).toContain('missing or incorrect annotation env=dev');
  });

  it('a tampered layer fails', async () => {
    const image = await fresh();
    await new OciStorageBackend({ client: c() }).store(await sigReq(image));
    await tamper(c(), image, 'sig', async ([l]) => {
      const forged = Buffer.from(
        (await c().getBlob(parseRepository(image.repository), l!.digest))
          .toString()
          .replace('cosign', 'Cosign'),
      );
      return [await replaceBytes(c(), image, l!, forged)];
    });
    const e = await verifyImageSignatures(ref(image), opts()).catch((x: Error) => x);
    expect(hasCode(e, 'NO_MATCHING_SIGNATURES')).toBe(true);
    expect((e as Error).message).toContain('invalid signature');
  });

  it('a tampered signature annotation fails, and a valid signature over another digest fails the claims', async () => {
    const image = await fresh();
    const real = await sigReq(image);
    await new OciStorageBackend({ client: c() }).store(real);
    const forgedSig = (await signSimpleSigning(signer, image.repository, `sha256:${'0'.repeat(64)}`))
      .signature;
    await tamper(c(), image, 'sig', async ([l]) => [
      { ...l!, annotations: { 'dev.cosignproject.cosign/signature': forgedSig } },
    ]);
    await expect(codeOf(verifyImageSignatures(ref(image), opts()))).resolves.toBe('NO_MATCHING_SIGNATURES');

    const image2 = await fresh();
    await new OciStorageBackend({ client: c() }).store(await sigReq(image2, signer, image.digest));
    const e = await verifyImageSignatures(ref(image2), opts()).catch((x: Error) => x);
    expect((e as Error).message).toContain('invalid or missing digest in claim');
  });

  it('attestations: verify, --type filter, tampered predicateType annotation, foreign subject, missing signature annotation', async () => {
    const image = await fresh();
    const b = new OciStorageBackend({ client: c() });
    await b.store(await attReq(image));
    const ok = await verifyImageAttestations(ref(image), { ...opts(), predicateType: SLSA1 });
    expect(ok.verified[0]?.statement.predicateType).toBe(SLSA1);
    await expect(
      codeOf(verifyImageAttestations(ref(image), { ...opts(), predicateType: 'https://spdx.dev/Document' })),
    ).resolves.toBe('PREDICATE_TYPE_MISMATCH');
    await tamper(c(), image, 'att', async ([l]) => [
      { ...l!, annotations: { ...l!.annotations, predicateType: 'https://spdx.dev/Document' } },
    ]);
    await expect(codeOf(verifyImageAttestations(ref(image), opts()))).resolves.toBe(
      'NO_MATCHING_ATTESTATIONS',
    );

    const image2 = await fresh();
    await b.store(await attReq(image2, statement(image)));
    const e = await verifyImageAttestations(ref(image2), opts()).catch((x: Error) => x);
    expect((e as Error).message).toContain(`no subject of the statement has digest ${image2.digest}`);

    const image3 = await fresh();
    await b.store(await attReq(image3));
    await tamper(c(), image3, 'att', async ([l]) => [{ ...l!, annotations: { predicateType: SLSA1 } }]);
    const e3 = await verifyImageAttestations(ref(image3), opts()).catch((x: Error) => x);
    expect((e3 as Error).message).toContain('has no dev.cosignproject.cosign/signature annotation');
  });

  it('sigstore-bundle referrers verify; another key and a tampered payload layer fail', async () => {
    const image = await fresh();
    const b = new OciStorageBackend({ client: c(), encoding: 'sigstore-bundle' });
    await b.store(await sigReq(image));
    await b.store(await attReq(image));
    expect((await verifyImageSignatures(ref(image), opts())).verified[0]?.source).toBe('sigstore-bundle');
    expect((await verifyImageAttestations(ref(image), opts())).verified[0]?.source).toBe('sigstore-bundle');
    await expect(
      codeOf(verifyImageSignatures(ref(image), { client: c(), publicKey: other.publicKey })),
    ).resolves.toBe('NO_MATCHING_SIGNATURES');
    // forge a second referrer: same bundle, payload layer swapped for another image's claims
    const repo = parseRepository(image.repository);
    const [d] = await c().referrers(repo, image.digest, BUNDLE_V03_MEDIA_TYPE);
    const m = JSON.parse((await c().getManifest(repo, d!.digest)).bytes.toString()) as {
      layers: Layer[];
      annotations: Record<string, string>;
    };
    expect(m.annotations['dev.sigstore.bundle.content']).toBe('message-signature');
    const forged = Buffer.from(
      (await c().getBlob(repo, m.layers[1]!.digest))
        .toString()
        .replace(image.digest.slice(7, 20), '0'.repeat(13)),
    );
    m.layers[1] = await replaceBytes(c(), image, m.layers[1]!, forged);
    const bytes = Buffer.from(JSON.stringify(m));
    await c().putReferrer(
      repo,
      bytes,
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: c().session.digestOf(bytes),
        size: bytes.length,
        artifactType: BUNDLE_V03_MEDIA_TYPE,
      },
      image.digest,
    );
    const r = await verifyImageSignatures(ref(image), opts());
    expect(r.verified).toHaveLength(1);
    expect(r.rejected.map((x) => x.reason)).toEqual([
      'bundle messageDigest does not match the payload layer',
    ]);
  });

  it('bundles are valid Sigstore v0.3 bundles for sigstore-js', async () => {
    const image = await fresh();
    const b = new OciStorageBackend({ client: c(), encoding: 'sigstore-bundle' });
    await b.store(await sigReq(image));
    await b.store(await attReq(image));
    const bundles = await new OciReader(c()).bundles(image);
    expect(bundles).toHaveLength(2);
    for (const x of bundles) {
      const parsed = bundleFromJSON(JSON.parse(x.bundle.toString()));
      expect(parsed.mediaType).toBe(BUNDLE_V03_MEDIA_TYPE);
      expect(isBundleWithPublicKey(parsed)).toBe(true);
      const content = x.annotations['dev.sigstore.bundle.content'];
      expect(
        content === 'dsse-envelope' ? isBundleWithDsseEnvelope(parsed) : isBundleWithMessageSignature(parsed),
      ).toBe(true);
    }
  });

  it('hands each record and its bundle annotation to the tlog hook; a throwing hook rejects', async () => {
    const image = await fresh();
    const bundle: RekorBundle = {
      SignedEntryTimestamp: 'U0VU',
      Payload: { body: 'e30=', integratedTime: 1700000000, logIndex: 7, logID: 'ab'.repeat(32) },
    };
    await new OciStorageBackend({ client: c() }).store(await attReq(image, statement(image), SLSA1, bundle));
    const seen: [RekorBundle | undefined, TlogSubject][] = [];
    const r = await verifyImageAttestations(ref(image), {
      ...opts(),
      checkBundle: async (b, s) => void seen.push([b, s]),
    });
    expect(r.tlogChecked).toBe(true);
    expect(seen[0]?.[0]).toEqual(bundle);
    expect(seen[0]?.[1].bytes.equals(r.verified[0]!.envelope)).toBe(true);
    const fail = verifyImageAttestations(ref(image), {
      ...opts(),
      checkBundle: async () => {
        throw new Error('SET does not verify');
      },
    });
    await expect(fail).rejects.toThrow(/SET does not verify/);
  });
});

describe('nothing half-pushed', () => {
  it('a failed manifest PUT leaves the earlier .sig untouched', async () => {
    const good = clientFor('plain');
    const image = await pushRandomImage(good, hostOf('plain'), uniqueRepo('half'));
    await new OciStorageBackend({ client: good }).store(await sigReq(image));
    const repo = parseRepository(image.repository);
    const before = await good.getManifest(repo, cosignTag(image.digest, 'sig'));
    const failing = new RegistryClient({
      transport: async (req) => {
        if (req.method === 'PUT' && req.url.pathname.includes('/manifests/'))
          throw Object.assign(new Error('connection reset'), { code: 'ECONNRESET' });
        const { nodeTransport } = await import('../../../src/registry/transport.ts');
        return nodeTransport()(req);
      },
    });
    const req = await sigReq(image, other);
    await expect(new OciStorageBackend({ client: failing }).store(req)).rejects.toThrow(/connection reset/);
    const after = await good.getManifest(repo, cosignTag(image.digest, 'sig'));
    expect(after.digest).toBe(before.digest);
    expect(
      (
        await verifyImageSignatures(`${image.repository}@${image.digest}`, {
          client: good,
          publicKey: signer.publicKey,
        })
      ).verified,
    ).toHaveLength(1);
  });
});
