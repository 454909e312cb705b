import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sha256Hex } from '../../core/hash.ts';
import { isValidRepositoryPath } from '../reference.ts';
import type { RegistryData } from './data.ts';
import { SpecError } from './errors.ts';
import { readBody } from './body.ts';
import type { Limits } from './manifests.ts';

const DIGEST = /^sha256:([a-f0-9]{64})$/;
const MAX_SESSIONS = 1000;
/** Open upload sessions together may buffer this many maximum-size blobs (memory-exhaustion guard). */
const BUFFERED_BLOBS = 4;
/** Without a length node frames an empty answer as chunked (two more lines for both sides to handle). */
const NO_BODY = { 'content-length': 0 };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function hexOf(digest: string | null): string {
  const hex = digest ? DIGEST.exec(digest)?.[1] : undefined;
  if (!hex)
    throw new SpecError(
      400,
      'DIGEST_INVALID',
      `invalid or unsupported digest "${digest ?? ''}" (sha256 only)`,
    );
  return hex;
}

interface Upload {
  repo: string;
  chunks: Buffer[];
  size: number;
}

/** Blob reads and the upload state machine (distribution-spec push: POST, PATCH*, PUT?digest=). */
export class BlobHandlers {
  private readonly uploads = new Map<string, Upload>();
  /** bytes held by open sessions, bounded by BUFFERED_BLOBS × maxBlobBytes */
  private buffered = 0;

  constructor(
    private readonly data: RegistryData,
    private readonly limits: Limits,
  ) {}

  async get(repo: string, digest: string, head: boolean, res: ServerResponse): Promise<void> {
    const hex = hexOf(digest);
    const bytes = await this.data.getBlob(repo, hex);
    if (!bytes) throw new SpecError(404, 'BLOB_UNKNOWN', `blob ${digest} unknown to ${repo}`);
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': bytes.length,
      'docker-content-digest': digest,
    });
    res.end(head ? undefined : bytes);
  }

  async delete(repo: string, digest: string, res: ServerResponse): Promise<void> {
    if (!(await this.data.deleteBlob(repo, hexOf(digest))))
      throw new SpecError(404, 'BLOB_UNKNOWN', `blob ${digest} unknown`);
    res.writeHead(202, NO_BODY);
    res.end();
  }

  /** POST: mount, monolithic (`?digest=`), or open a session. */
  async start(repo: string, url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const mount = url.searchParams.get('mount');
    const from = url.searchParams.get('from');
    if (
      mount &&
      from &&
      isValidRepositoryPath(from) &&
      (await this.data.mountBlob(repo, hexOf(mount), from))
    ) {
      res.writeHead(201, {
        location: `/v2/${repo}/blobs/${mount}`,
        'docker-content-digest': mount,
        'content-length': 0,
      });
      res.end();
      return;
    }
    const digest = url.searchParams.get('digest');
    if (digest) {
      await this.commit(repo, hexOf(digest), [await readBody(req, this.limits.maxBlobBytes)], res);
      return;
    }
    req.resume();
    if (this.uploads.size >= MAX_SESSIONS)
      throw new SpecError(429, 'TOOMANYREQUESTS', 'too many open upload sessions');
    const id = randomUUID();
    this.uploads.set(id, { repo, chunks: [], size: 0 });
    this.accepted(res, repo, id, 0);
  }

  private accepted(res: ServerResponse, repo: string, id: string, size: number): void {
    res.writeHead(202, {
      location: `/v2/${repo}/blobs/uploads/${id}`,
      range: `0-${Math.max(size - 1, 0)}`,
      'docker-upload-uuid': id,
      'content-length': 0,
    });
    res.end();
  }

  private session(repo: string, id: string): Upload {
    const u = UUID.test(id) ? this.uploads.get(id) : undefined;
    if (!u || u.repo !== repo) throw new SpecError(404, 'BLOB_UPLOAD_UNKNOWN', `upload ${id} unknown`);
    return u;
  }

  /** Append one chunk; Content-Range, when given, must continue where the session stands. */
  private async append(u: Upload, req: IncomingMessage): Promise<void> {
    const range = req.headers['content-range'];
    const start = range ? Number(/^(\d+)-\d+$/.exec(range)?.[1] ?? NaN) : u.size;
    if (start !== u.size) {
      req.resume();
      throw new SpecError(416, 'BLOB_UPLOAD_INVALID', `chunk starts at ${start}, upload has ${u.size} bytes`);
    }
    const room = this.limits.maxBlobBytes * BUFFERED_BLOBS - this.buffered;
    if (room <= 0) {
      req.resume();
      throw new SpecError(429, 'TOOMANYREQUESTS', 'upload buffers are full: finish or cancel open uploads');
    }
    const chunk = await readBody(req, Math.min(this.limits.maxBlobBytes - u.size, room));
    u.chunks.push(chunk);
    u.size += chunk.length;
    this.buffered += chunk.length;
  }

  /** Close a session and release what it buffered. */
  private close(id: string, u: Upload): void {
    if (this.uploads.delete(id)) this.buffered -= u.size;
  }

  async patch(repo: string, id: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const u = this.session(repo, id);
    await this.append(u, req);
    this.accepted(res, repo, id, u.size);
  }

  async put(repo: string, id: string, url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const u = this.session(repo, id);
    const hex = hexOf(url.searchParams.get('digest'));
    try {
      await this.append(u, req);
    } finally {
      this.close(id, u);
    }
    await this.commit(repo, hex, u.chunks, res);
  }

  async status(repo: string, id: string, res: ServerResponse): Promise<void> {
    const u = this.session(repo, id);
    res.writeHead(204, {
      location: `/v2/${repo}/blobs/uploads/${id}`,
      range: `0-${Math.max(u.size - 1, 0)}`,
      'docker-upload-uuid': id,
    });
    res.end();
  }

  async cancel(repo: string, id: string, res: ServerResponse): Promise<void> {
    this.close(id, this.session(repo, id));
    res.writeHead(204);
    res.end();
  }

  /** Store the bytes only when they hash to the digest the client named. */
  private async commit(repo: string, hex: string, chunks: Buffer[], res: ServerResponse): Promise<void> {
    const bytes = Buffer.concat(chunks);
    const got = sha256Hex(bytes);
    if (got !== hex)
      throw new SpecError(400, 'DIGEST_INVALID', `upload hashes to sha256:${got}, not sha256:${hex}`);
    await this.data.putBlobHex(repo, hex, bytes);
    res.writeHead(201, {
      location: `/v2/${repo}/blobs/sha256:${hex}`,
      'docker-content-digest': `sha256:${hex}`,
      'content-length': 0,
    });
    res.end();
  }
}
