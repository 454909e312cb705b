import { randomUUID } from 'node:crypto';
import { goMarshal } from '../../../src/core/json.ts';
import { parseEnvelope } from '../../../src/core/dsse.ts';
import { MediaType } from '../../../src/registry/manifest.ts';
import type { RegistryClient } from '../../../src/registry/client.ts';
import { pushBlob } from '../../../src/registry/upload.ts';
import type { ImageTarget, StoreRequest } from '../../../src/storage/backend.ts';
import type { ReadBack } from '../../../src/storage/contract.ts';
import { Annotation } from '../../../src/storage/oci/layout.ts';
import type { OciReader } from '../../../src/storage/oci/reader.ts';

/** Push a small unique image with our client; returns its target. */
export async function pushRandomImage(
  client: RegistryClient,
  host: string,
  repository: string,
): Promise<ImageTarget> {
  const repo = { registry: host, repository };
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', id: randomUUID() }));
  const layer = Buffer.from(`layer ${randomUUID()}`);
  await pushBlob(client, repo, config);
  await pushBlob(client, repo, layer);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: {
        mediaType: MediaType.ociConfig,
        digest: client.session.digestOf(config),
        size: config.length,
      },
      layers: [
        {
          mediaType: 'application/vnd.oci.image.layer.v1.tar',
          digest: client.session.digestOf(layer),
          size: layer.length,
        },
      ],
    }),
  );
  const digest = await client.putManifest(repo, 'latest', manifest);
  return { repository: `${host}/${repository}`, digest };
}

const firstSig = (envelope: Buffer): string =>
  parseEnvelope(envelope.toString('utf8')).signatures[0]?.sig ?? '';

/** Contract reader over the legacy `.sig`/`.att` layout. */
export function legacyReader(reader: OciReader) {
  return async (req: StoreRequest, subject?: ImageTarget): Promise<ReadBack[]> => {
    if (req.what === 'image-signature') {
      return (await reader.signatures(req.image)).map((l) => ({
        bytes: l.bytes,
        signature: l.annotations[Annotation.signature] ?? '',
      }));
    }
    if (req.what === 'attestation' && subject) {
      return (await reader.attestations(subject)).map((l) => ({
        bytes: l.bytes,
        signature: firstSig(l.bytes),
      }));
    }
    return [];
  };
}

interface BundleJson {
  messageSignature?: { signature: string };
  dsseEnvelope?: { payload: string; payloadType: string; signatures: { sig: string; keyid?: string }[] };
}

/** Contract reader over sigstore-bundle referrers (envelope rebuilt in Chains' field order). */
export function bundleReader(reader: OciReader) {
  return async (req: StoreRequest, subject?: ImageTarget): Promise<ReadBack[]> => {
    const image = req.what === 'image-signature' ? req.image : subject;
    if (!image || req.what === 'run-payload') return [];
    const out: ReadBack[] = [];
    const all = await reader.bundles(image);
    all.sort((a, b) =>
      (a.annotations['org.opencontainers.image.created'] ?? '').localeCompare(
        b.annotations['org.opencontainers.image.created'] ?? '',
      ),
    );
    for (const b of all) {
      const j = JSON.parse(b.bundle.toString('utf8')) as BundleJson;
      if (req.what === 'image-signature' && j.messageSignature && b.payload)
        out.push({ bytes: b.payload, signature: j.messageSignature.signature });
      if (req.what === 'attestation' && j.dsseEnvelope) {
        const e = j.dsseEnvelope;
        const env = {
          payloadType: e.payloadType,
          payload: e.payload,
          signatures: e.signatures.map((s) => ({ keyid: s.keyid ?? '', sig: s.sig })),
        };
        out.push({ bytes: Buffer.from(goMarshal(env)), signature: e.signatures[0]?.sig ?? '' });
      }
    }
    return out;
  };
}
