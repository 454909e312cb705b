import { RegistryError } from './errors.ts';
import { repositoryName, type Repository } from './reference.ts';
import type { RegistryClient } from './registry.ts';
import type { HttpResponse } from './transport.ts';

export interface PushBlobOptions {
  /** upload in PATCH chunks of this many bytes (distribution-spec chunked upload); default monolithic */
  chunkSize?: number;
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

/** Push a blob unless the repository already has it; returns its digest. */
export async function pushBlob(
  client: RegistryClient,
  repo: Repository,
  bytes: Buffer,
  opts: PushBlobOptions = {},
): Promise<string> {
  const s = client.session;
  const digest = s.digestOf(bytes);
  if (await client.blobExists(repo, digest)) return digest;
  const what = `upload ${digest} to ${repositoryName(repo)}`;
  const start = await s.send(repo, {
    method: 'POST',
    path: `/v2/${repo.repository}/blobs/uploads/`,
    scope: 'pull,push',
  });
  if (start.status !== 202) s.fail(start, what);
  let loc = await absolute(client, repo, location(start, what));
  const chunk = opts.chunkSize && opts.chunkSize > 0 ? opts.chunkSize : bytes.length;
  let body = bytes;
  if (chunk < bytes.length) {
    loc = await uploadChunks(client, repo, loc, bytes, chunk, what);
    body = Buffer.alloc(0);
  }
  const fin = await s.send(repo, {
    method: 'PUT',
    path: withDigest(loc, digest),
    scope: 'pull,push',
    headers: { 'content-type': 'application/octet-stream' },
    body,
  });
  if (fin.status !== 201) s.fail(fin, what);
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
