import type { PublicKeyMaterial } from '../keys/index.ts';
import type { RegistryClient } from '../registry/client.ts';
import { OciReader } from '../storage/oci/reader.ts';
import type { StoredBundle, StoredLayer } from '../storage/oci/reader.ts';
import { verifyAttestationBundle, verifyAttestationLayer } from '../verify/attestation.ts';
import { verifyImageSignatureBundle, verifyImageSignatureLayer } from '../verify/image.ts';
import { reasonOf, resolveImage } from '../verify/oci-common.ts';
import type { CheckBundle } from '../verify/tlog-hook.ts';
import { withRegistry } from './reference.ts';

/** Verifies an image's signatures and attestations server-side (the verify library), for the image page. */
export interface ImageVerifier {
  readonly description: string;
  verify(reference: string): Promise<ImageReport>;
}

export interface ImageItem {
  kind: 'signature' | 'attestation';
  /** legacy `.sig`/`.att` layer or a sigstore-bundle referrer */
  source: 'legacy' | 'referrer';
  id: string;
  verdict: 'verified' | 'failed' | 'not-checked';
  reason?: string;
  predicateType?: string;
  statement?: unknown;
}

export interface ImageReport {
  reference: string;
  repository: string;
  digest: string;
  locations: { signatures: string; attestations: string; referrers: string };
  /** what the verdicts were computed against, on the server */
  checkedWith: string;
  items: ImageItem[];
}

export interface ImageVerifierOptions {
  client: RegistryClient;
  /** cosign.pub; without it nothing is verified and every item says so */
  publicKey?: PublicKeyMaterial;
  /** the transparency-log check (bundle SET or online lookup) */
  checkBundle?: () => Promise<CheckBundle | undefined>;
  /** `--registry HOST`: where references without a registry host are read */
  registry?: string;
  description: string;
}

type Attempt = {
  kind: ImageItem['kind'];
  source: ImageItem['source'];
  id: string;
  run?: () => Promise<Partial<ImageItem>>;
};

function attempts(
  o: ImageVerifierOptions,
  digest: string,
  sigs: StoredLayer[],
  atts: StoredLayer[],
  bundles: StoredBundle[],
  check?: CheckBundle,
): Attempt[] {
  const key = o.publicKey;
  const opts = key ? { publicKey: key, ...(check ? { checkBundle: check } : {}) } : undefined;
  const att = async (p: ReturnType<typeof verifyAttestationLayer>): Promise<Partial<ImageItem>> => {
    const v = await p;
    return { predicateType: v.statement.predicateType, statement: v.statement };
  };
  return [
    ...sigs.map((l) => ({
      kind: 'signature' as const,
      source: 'legacy' as const,
      id: l.digest,
      ...(opts ? { run: async () => (await verifyImageSignatureLayer(l, digest, opts), {}) } : {}),
    })),
    ...atts.map((l) => ({
      kind: 'attestation' as const,
      source: 'legacy' as const,
      id: l.digest,
      ...(opts ? { run: () => att(verifyAttestationLayer(l, digest, opts)) } : {}),
    })),
    ...bundles.map((b) => {
      const isAtt = b.annotations['dev.sigstore.bundle.content'] === 'dsse-envelope';
      const run = opts
        ? isAtt
          ? () => att(verifyAttestationBundle(b, digest, opts))
          : async () => (await verifyImageSignatureBundle(b, digest, opts), {})
        : undefined;
      return {
        kind: isAtt ? ('attestation' as const) : ('signature' as const),
        source: 'referrer' as const,
        id: b.manifestDigest,
        ...(run ? { run } : {}),
      };
    }),
  ];
}

/** The image page's server side: cosign's per-layer checks, one verdict per signature and attestation. */
export function imageVerifier(o: ImageVerifierOptions): ImageVerifier {
  return {
    description: o.description,
    async verify(reference) {
      const image = await resolveImage(o.client, withRegistry(reference, o.registry));
      const reader = new OciReader(o.client);
      const [sigs, atts, bundles, check] = await Promise.all([
        reader.signatures(image),
        reader.attestations(image),
        reader.bundles(image),
        o.checkBundle?.(),
      ]);
      const items: ImageItem[] = [];
      for (const a of attempts(o, image.digest, sigs, atts, bundles, check)) {
        const base = { kind: a.kind, source: a.source, id: a.id };
        if (!a.run) {
          items.push({ ...base, verdict: 'not-checked', reason: 'no --key given: not verified' });
          continue;
        }
        try {
          items.push({ ...base, ...(await a.run()), verdict: 'verified' });
        } catch (e) {
          items.push({ ...base, verdict: 'failed', reason: reasonOf(e) });
        }
      }
      return { reference, ...image, locations: reader.locations(image), checkedWith: o.description, items };
    },
  };
}
