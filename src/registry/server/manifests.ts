import type { IncomingMessage, ServerResponse } from 'node:http';
import { sha256Hex } from '../../core/hash.ts';
import { isValidTag } from '../reference.ts';
import { MediaType, isDescriptor, type Descriptor } from '../manifest.ts';
import type { RegistryData } from './data.ts';
import { SpecError } from './errors.ts';
import { readBody } from './body.ts';

const DIGEST = /^sha256:([a-f0-9]{64})$/;

export interface Limits {
  maxManifestBytes: number;
  maxBlobBytes: number;
}

/** A reference is a tag or a sha256 digest; returns the manifest hex, or undefined when unknown. */
async function lookup(data: RegistryData, repo: string, ref: string): Promise<string | undefined> {
  const m = DIGEST.exec(ref);
  if (m) return m[1];
  if (!isValidTag(ref)) throw new SpecError(400, 'TAG_INVALID', `invalid tag "${ref}"`);
  return data.resolveTag(repo, ref);
}

export async function getManifest(
  data: RegistryData,
  repo: string,
  ref: string,
  head: boolean,
  res: ServerResponse,
): Promise<void> {
  const hex = await lookup(data, repo, ref);
  const m = hex ? await data.getManifest(repo, hex) : undefined;
  if (!m) throw new SpecError(404, 'MANIFEST_UNKNOWN', `manifest ${repo}:${ref} unknown`);
  res.writeHead(200, {
    'content-type': m.mediaType,
    'content-length': m.bytes.length,
    'docker-content-digest': `sha256:${m.hex}`,
  });
  res.end(head ? undefined : m.bytes);
}

interface ParsedManifest {
  mediaType?: string;
  artifactType?: string;
  config?: Descriptor;
  layers?: Descriptor[];
  manifests?: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

const isStringMap = (a: unknown): boolean =>
  typeof a === 'object' &&
  a !== null &&
  !Array.isArray(a) &&
  Object.values(a).every((x) => typeof x === 'string');

/** Outside input: wrong-typed fields are a 400 (a spread of a non-array or a numeric mediaType was a 500). */
function checkShape(v: Record<string, unknown>): void {
  for (const k of ['layers', 'manifests'])
    if (v[k] !== undefined && !Array.isArray(v[k]))
      throw new SpecError(400, 'MANIFEST_INVALID', `manifest ${k} must be an array`);
  for (const k of ['mediaType', 'artifactType'])
    if (v[k] !== undefined && typeof v[k] !== 'string')
      throw new SpecError(400, 'MANIFEST_INVALID', `manifest ${k} must be a string`);
  if (v.annotations !== undefined && !isStringMap(v.annotations))
    throw new SpecError(400, 'MANIFEST_INVALID', 'manifest annotations must map strings to strings');
}

function parseManifestBody(body: Buffer): ParsedManifest {
  let v: ParsedManifest & { schemaVersion?: unknown };
  try {
    v = JSON.parse(body.toString('utf8')) as typeof v;
  } catch {
    throw new SpecError(400, 'MANIFEST_INVALID', 'manifest is not valid JSON');
  }
  if (typeof v !== 'object' || v === null || v.schemaVersion !== 2) {
    throw new SpecError(400, 'MANIFEST_INVALID', 'manifest must be a schemaVersion 2 object');
  }
  checkShape(v as Record<string, unknown>);
  const descs = [v.config, ...(v.layers ?? []), ...(v.manifests ?? []), ...(v.subject ? [v.subject] : [])];
  for (const d of descs) {
    if (d !== undefined && !isDescriptor(d)) {
      throw new SpecError(400, 'MANIFEST_INVALID', 'manifest has an invalid descriptor');
    }
  }
  if (!v.manifests && (!v.config || !v.layers))
    throw new SpecError(400, 'MANIFEST_INVALID', 'manifest needs config and layers, or manifests');
  return v;
}

/** Every referenced blob/child manifest must already be in the repository (blobs before manifest). */
async function checkReferences(data: RegistryData, repo: string, m: ParsedManifest): Promise<void> {
  for (const d of [...(m.config ? [m.config] : []), ...(m.layers ?? [])]) {
    const hex = DIGEST.exec(d.digest)?.[1];
    if (!hex || !(await data.hasBlob(repo, hex)))
      throw new SpecError(400, 'MANIFEST_BLOB_UNKNOWN', `blob ${d.digest} unknown to ${repo}`);
  }
  for (const d of m.manifests ?? []) {
    const hex = DIGEST.exec(d.digest)?.[1];
    if (!hex || !(await data.getManifest(repo, hex)))
      throw new SpecError(400, 'MANIFEST_BLOB_UNKNOWN', `manifest ${d.digest} unknown to ${repo}`);
  }
}

export async function putManifest(
  data: RegistryData,
  repo: string,
  ref: string,
  req: IncomingMessage,
  res: ServerResponse,
  limits: Limits,
): Promise<void> {
  const body = await readBody(req, limits.maxManifestBytes);
  const hex = sha256Hex(body);
  const byDigest = DIGEST.exec(ref);
  if (byDigest && byDigest[1] !== hex)
    throw new SpecError(400, 'DIGEST_INVALID', `manifest hashes to sha256:${hex}, not ${ref}`);
  if (!byDigest && !isValidTag(ref)) throw new SpecError(400, 'TAG_INVALID', `invalid tag "${ref}"`);
  const m = parseManifestBody(body);
  await checkReferences(data, repo, m);
  const mediaType = m.mediaType ?? req.headers['content-type']?.split(';')[0] ?? MediaType.ociManifest;
  const self: Descriptor = {
    mediaType,
    digest: `sha256:${hex}`,
    size: body.length,
    ...((m.artifactType ?? m.config?.mediaType)
      ? { artifactType: m.artifactType ?? m.config?.mediaType }
      : {}),
    ...(m.annotations ? { annotations: m.annotations } : {}),
  };
  await data.putManifest(repo, body, mediaType, byDigest ? undefined : ref, m.subject, self, hex);
  res.writeHead(201, {
    location: `/v2/${repo}/manifests/sha256:${hex}`,
    'docker-content-digest': `sha256:${hex}`,
    'content-length': 0, // else node frames the empty answer as chunked
    ...(m.subject ? { 'oci-subject': m.subject.digest } : {}),
  });
  res.end();
}

export async function deleteManifest(
  data: RegistryData,
  repo: string,
  ref: string,
  res: ServerResponse,
): Promise<void> {
  const byDigest = DIGEST.exec(ref);
  const ok = byDigest
    ? await data.deleteManifest(repo, byDigest[1] ?? '')
    : isValidTag(ref) && (await data.deleteTag(repo, ref));
  if (!ok) throw new SpecError(404, 'MANIFEST_UNKNOWN', `manifest ${repo}:${ref} unknown`);
  res.writeHead(202, { 'content-length': 0 });
  res.end();
}

export async function getReferrers(
  data: RegistryData,
  repo: string,
  digest: string,
  url: URL,
  res: ServerResponse,
): Promise<void> {
  const hex = DIGEST.exec(digest)?.[1];
  if (!hex) throw new SpecError(400, 'DIGEST_INVALID', `invalid digest "${digest}"`);
  const filter = url.searchParams.get('artifactType');
  const all = await data.referrers(repo, hex);
  const manifests = filter ? all.filter((d) => d.artifactType === filter) : all;
  const body = JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests });
  res.writeHead(200, {
    'content-type': MediaType.ociIndex,
    'content-length': Buffer.byteLength(body),
    ...(filter ? { 'oci-filters-applied': 'artifactType' } : {}),
  });
  res.end(body);
}
