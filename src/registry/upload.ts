import { RegistryError } from './errors.ts';
import { repositoryName, type Repository } from './reference.ts';
import type { RegistryClient } from './client.ts';
import type { HttpResponse } from './transport.ts';

export interface PushBlobOptions {
  /** upload in PATCH chunks of this many bytes (distribution-spec chunked upload); default monolithic */
  chunkSize?: number;
  /** `sha256:<hex>` of the bytes when the caller has it already (a wrong one is refused by the registry) */
  digest?: string;
}

function location(res: HttpResponse, what: string): string {
  const v = res.headers.location;
  const loc = Array.isArray(v) ? v[0] : v;
  if (!loc) throw new RegistryError('REGISTRY_ERROR', `${what}: registry gave no upload Location`);
  return loc;
}

function withDigest(loc: string, digest: string): string {
  return `${loc}${loc.includes('?') ? '&' : '?'}digest=${encodeURIComponent(digest)}`;
}

async function absolute(client: RegistryClient, repo: Repository, loc: string): Promise<string> {
  return new URL(loc, await client.session.base(repo.registry)).toString();
}

/** PATCH `bytes` in `chunk`-sized pieces with Content-Range; returns the final upload location. */
async function uploadChunks(
  client: RegistryClient,
  repo: Repository,
  start: string,
  bytes: Buffer,
  chunk: number,
  what: string,
): Promise<string> {
  let loc = start;
  for (let off = 0; off < bytes.length; off += chunk) {
    const part = bytes.subarray(off, Math.min(off + chunk, bytes.length));
    const res = await client.session.send(repo, {
      method: 'PATCH',
      path: loc,
      scope: 'pull,push',
      headers: {
        'content-type': 'application/octet-stream',
        'content-range': `${off}-${off + part.length - 1}`,
      },
      body: part,
    });
    if (res.status !== 202) client.session.fail(res, `${what} (chunk at ${off})`);
    loc = await absolute(client, repo, location(res, what));
  }
  return loc;
}

/**
 * Below this size a blob is uploaded without asking first: the HEAD costs a round trip like the upload itself,
 * and pushing bytes the registry already has is harmless (content-addressed, same digest, same bytes).
 */
export const SMALL_BLOB_BYTES = 64 * 1024;

/** PUT the (rest of the) bytes to an upload location with `?digest=`: closes the session (201). */
async function finish(
  client: RegistryClient,
  repo: Repository,
  loc: string,
  digest: string,
  body: Buffer,
  what: string,
): Promise<void> {
  const fin = await client.session.send(repo, {
    method: 'PUT',
    path: withDigest(loc, digest),
    scope: 'pull,push',
    headers: { 'content-type': 'application/octet-stream' },
    body,
  });
  if (fin.status !== 201) client.session.fail(fin, what);
}

/**
 * Single-request upload, `POST /v2/<name>/blobs/uploads/?digest=` with the bytes (distribution-spec "pushing a
 * blob monolithically", POST variant). A registry that answers 202 opened a session instead and ignored the body
 * (distribution 2.8): the bytes go in its PUT, and this client uses POST + PUT with that registry from then on.
 */
async function pushMonolithic(
  client: RegistryClient,
  repo: Repository,
  bytes: Buffer,
  digest: string,
  what: string,
): Promise<void> {
  const s = client.session;
  const res = await s.send(repo, {
    method: 'POST',
    path: withDigest(`/v2/${repo.repository}/blobs/uploads/`, digest),
    scope: 'pull,push',
    headers: { 'content-type': 'application/octet-stream' },
    body: bytes,
  });
  if (res.status === 201) return;
  if (res.status !== 202) s.fail(res, what);
  s.refuseMonolithicPost(repo.registry);
  await finish(client, repo, await absolute(client, repo, location(res, what)), digest, bytes, what);
}

/** Push a blob unless the repository already has it (asked only for blobs over SMALL_BLOB_BYTES); its digest. */
export async function pushBlob(
  client: RegistryClient,
  repo: Repository,
  bytes: Buffer,
  opts: PushBlobOptions = {},
): Promise<string> {
  const s = client.session;
  const digest = opts.digest ?? s.digestOf(bytes);
  const chunked = opts.chunkSize !== undefined && opts.chunkSize > 0 && opts.chunkSize < bytes.length;
  const small = !chunked && bytes.length <= SMALL_BLOB_BYTES;
  if (!small && (await client.blobExists(repo, digest))) return digest;
  const what = `upload ${digest} to ${repositoryName(repo)}`;
  if (small && s.monolithicPost(repo.registry)) {
    await pushMonolithic(client, repo, bytes, digest, what);
    return digest;
  }
  const start = await s.send(repo, {
    method: 'POST',
    path: `/v2/${repo.repository}/blobs/uploads/`,
    scope: 'pull,push',
  });
  if (start.status !== 202) s.fail(start, what);
  let loc = await absolute(client, repo, location(start, what));
  let body = bytes;
  if (chunked) {
    loc = await uploadChunks(client, repo, loc, bytes, opts.chunkSize as number, what);
    body = Buffer.alloc(0);
  }
  await finish(client, repo, loc, digest, body, what);
  return digest;
}

/** Cross-repository mount; false when the registry declined (then push the bytes). */
export async function mountBlob(
  client: RegistryClient,
  repo: Repository,
  digest: string,
  from: Repository,
): Promise<boolean> {
  if (from.registry !== repo.registry) return false;
  const q = `mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from.repository)}`;
  const res = await client.session.send(repo, {
    method: 'POST',
    path: `/v2/${repo.repository}/blobs/uploads/?${q}`,
    scope: 'pull,push',
  });
  if (res.status === 201) return true;
  if (res.status === 202) return false;
  return client.session.fail(res, `mount ${digest} from ${from.repository}`);
}
