import type { PublicKeyMaterial } from '../keys/index.ts';
import type { RegistryClient } from '../registry/client.ts';
import { OciReader } from '../storage/oci/reader.ts';
import type { StoredBundle, StoredLayer } from '../storage/oci/reader.ts';
import { verifyAttestationBundle, verifyAttestationLayer } from '../verify/attestation.ts';
import { verifyImageSignatureBundle, verifyImageSignatureLayer } from '../verify/image.ts';
import { bundleCertificate, layerCertificate } from '../verify/image.ts';
import { resolveImage } from '../verify/oci-common.ts';
import type { CheckBundle } from '../verify/tlog-hook.ts';
import type { TrustMaterial } from '../keyless/index.ts';
import { withRegistry } from './reference.ts';
import { checksFor, verdictOf } from './verdict.ts';
import type { Attempt, Checks } from './verdict.ts';

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
  /** verified: every check made, in order */
  checks?: string[];
  /** failed: the check that failed */
  check?: string;
  /** a keyless signature's certificate: its first SAN and OIDC issuer (text, trusted only when verified) */
  identity?: string;
  issuer?: string;
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
  /** cosign.pub: checks the signatures made with a key */
  publicKey?: PublicKeyMaterial;
  /** trusted_root.json: checks the keyless signatures (certificate chain, SCT, log time, signature) */
  trustedRoot?: TrustMaterial;
  /** the transparency-log check (bundle SET or online lookup) */
  checkBundle?: () => Promise<CheckBundle | undefined>;
  /** `--registry HOST`: where references without a registry host are read */
  registry?: string;
  description: string;
}

function bundleCertificatePem(b: StoredBundle): string | undefined {
  try {
    return bundleCertificate(JSON.parse(b.bundle.toString('utf8')) as object).certificatePem;
  } catch {
    return undefined; // an unreadable bundle fails its verification, which says why
  }
}

function attempts(
  digest: string,
  sigs: StoredLayer[],
  atts: StoredLayer[],
  bundles: StoredBundle[],
): Attempt[] {
  const att = async (p: ReturnType<typeof verifyAttestationLayer>): Promise<Partial<ImageItem>> => {
    const v = await p;
    return { predicateType: v.statement.predicateType, statement: v.statement };
  };
  const pem = (l: StoredLayer) => layerCertificate(l).certificatePem;
  return [
    ...sigs.map((l) => ({
      kind: 'signature' as const,
      source: 'legacy' as const,
      id: l.digest,
      certificatePem: pem(l),
      run: async (o: Checks) => (await verifyImageSignatureLayer(l, digest, o), {}),
    })),
    ...atts.map((l) => ({
      kind: 'attestation' as const,
      source: 'legacy' as const,
      id: l.digest,
      certificatePem: pem(l),
      run: (o: Checks) => att(verifyAttestationLayer(l, digest, o)),
    })),
    ...bundles.map((b) => {
      const isAtt = b.annotations['dev.sigstore.bundle.content'] === 'dsse-envelope';
      return {
        kind: isAtt ? ('attestation' as const) : ('signature' as const),
        source: 'referrer' as const,
        id: b.manifestDigest,
        certificatePem: bundleCertificatePem(b),
        run: isAtt
          ? (o: Checks) => att(verifyAttestationBundle(b, digest, o))
          : async (o: Checks) => (await verifyImageSignatureBundle(b, digest, o), {}),
      };
    }),
  ].map(({ certificatePem, ...a }) => ({ ...a, ...(certificatePem ? { certificatePem } : {}) }));
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
      for (const a of attempts(image.digest, sigs, atts, bundles))
        items.push(await verdictOf(a, checksFor(o, a.certificatePem, check)));
      return { reference, ...image, locations: reader.locations(image), checkedWith: o.description, items };
    },
  };
}
