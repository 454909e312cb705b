import { z } from 'zod';
import { RegistryError } from './errors.ts';

/** Media types (OCI image-spec v1.1, Docker schema2). */
export const MediaType = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociEmpty: 'application/vnd.oci.empty.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
} as const;

/** Every manifest type we read, for the Accept header. */
export const MANIFEST_ACCEPT = [
  MediaType.ociManifest,
  MediaType.ociIndex,
  MediaType.dockerManifest,
  MediaType.dockerList,
];

export const descriptorSchema = z.object({
  mediaType: z.string().min(1),
  digest: z.string().regex(/^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/),
  size: z.number().int().nonnegative(),
  annotations: z.record(z.string(), z.string()).optional(),
  artifactType: z.string().optional(),
  platform: z.record(z.string(), z.unknown()).optional(),
  urls: z.array(z.string()).optional(),
});
export type Descriptor = z.infer<typeof descriptorSchema>;

const DESCRIPTOR_DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const optional = (v: unknown, ok: (x: unknown) => boolean): boolean => v === undefined || ok(v);

/**
 * The same answer as `descriptorSchema.safeParse(v).success` without zod's parse machinery (the embedded
 * registry checks every descriptor of every pushed manifest; a property test pins the equivalence).
 */
export function isDescriptor(v: unknown): boolean {
  if (!isPlainObject(v)) return false;
  const { mediaType, digest, size, annotations, artifactType, platform, urls } = v;
  return (
    typeof mediaType === 'string' &&
    mediaType.length > 0 &&
    typeof digest === 'string' &&
    DESCRIPTOR_DIGEST.test(digest) &&
    typeof size === 'number' &&
    Number.isSafeInteger(size) &&
    size >= 0 &&
    optional(annotations, (a) => isPlainObject(a) && Object.values(a).every((x) => typeof x === 'string')) &&
    optional(artifactType, (a) => typeof a === 'string') &&
    optional(platform, isPlainObject) &&
    optional(urls, (u) => Array.isArray(u) && u.every((x) => typeof x === 'string'))
  );
}

export const imageManifestSchema = z
  .object({
    schemaVersion: z.literal(2),
    mediaType: z.string().optional(),
    artifactType: z.string().optional(),
    config: descriptorSchema,
    layers: z.array(descriptorSchema),
    subject: descriptorSchema.optional(),
    annotations: z.record(z.string(), z.string()).optional(),
  })
  .loose();
export type ImageManifest = z.infer<typeof imageManifestSchema>;

export const indexSchema = z
  .object({
    schemaVersion: z.literal(2),
    mediaType: z.string().optional(),
    manifests: z.array(descriptorSchema),
    subject: descriptorSchema.optional(),
    annotations: z.record(z.string(), z.string()).optional(),
  })
  .loose();
export type ImageIndex = z.infer<typeof indexSchema>;

function parseWith<T>(schema: z.ZodType<T>, bytes: Uint8Array, what: string): T {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (e) {
    throw new RegistryError('BAD_MANIFEST', `${what} is not valid JSON`, { cause: e });
  }
  const r = schema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new RegistryError(
      'BAD_MANIFEST',
      `invalid ${what} at ${i?.path.join('.') || '<root>'}: ${i?.message}`,
    );
  }
  return r.data;
}

export function parseImageManifest(bytes: Uint8Array, what = 'image manifest'): ImageManifest {
  return parseWith(imageManifestSchema, bytes, what);
}

export function parseIndex(bytes: Uint8Array, what = 'image index'): ImageIndex {
  return parseWith(indexSchema, bytes, what);
}

export function isIndexMediaType(mt: string | undefined): boolean {
  return mt === MediaType.ociIndex || mt === MediaType.dockerList;
}

/** The media type a manifest declares inside its JSON (needed for PUT Content-Type). */
export function declaredMediaType(bytes: Uint8Array): string | undefined {
  try {
    const v = JSON.parse(Buffer.from(bytes).toString('utf8')) as { mediaType?: unknown };
    return typeof v.mediaType === 'string' ? v.mediaType : undefined;
  } catch {
    return undefined;
  }
}

/** An empty OCI index (the referrers tag-schema starting point). */
export function emptyIndex(): ImageIndex {
  return { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [] };
}
