import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ChainsError } from '../../core/errors.ts';
import type { ImageTarget, StorageBackend, StoreRequest, StoreResult } from '../backend.ts';

export class LocalStorageError extends ChainsError<'LOCAL_STORE_FAILED'> {}

const SAFE = /^[A-Za-z0-9._-]+$/;
const ENTRY = /^\d{6}-[0-9a-f]{16}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;

function segment(value: string, what: string): string {
  if (!SAFE.test(value) || value === '.' || value === '..')
    throw new LocalStorageError(
      'LOCAL_STORE_FAILED',
      `cannot store locally: ${what} "${value}" is not a safe path segment`,
    );
  return value;
}

/** One stored entry as read back. */
export interface LocalEntry {
  dir: string;
  bytes: Buffer;
  signature: string;
}

/**
 * `local` storage, the embedded default, laid out like the OCI backend but on disk:
 * image signatures under `<dir>/images/sha256-<hex>/signatures/`, attestations under every subject's
 * `<dir>/images/sha256-<hex>/attestations/`, and every object also under its run,
 * `<dir>/runs/<namespace>/<taskrun|pipelinerun>/<name>/<shortKey>/`. Each entry is a `<seq>-<hash>/` directory with
 * `payload` (the signed bytes: DSSE envelope, simplesigning JSON or raw run), `signature` (base64), `cert.pem`/
 * `chain.pem` when certificate-based, `bundle.json` when logged and `meta.json`. Like OCI layers, a new signature is
 * appended and an identical one (same bytes and signature) is not stored twice.
 */
export class LocalBackend implements StorageBackend {
  readonly type = 'local';

  constructor(private readonly dir: string) {}

  /** Directory of `req`'s entries under its run. */
  runPath(req: StoreRequest): string {
    const r = req.run;
    return join(
      this.dir,
      'runs',
      segment(r.namespace || 'default', 'namespace'),
      r.kind.toLowerCase(),
      segment(r.name, 'run name'),
      segment(req.shortKey, 'short key'),
    );
  }

  /** Directory of an image's signatures or attestations. */
  imagePath(digest: string, what: 'signatures' | 'attestations'): string {
    if (!DIGEST.test(digest))
      throw new LocalStorageError(
        'LOCAL_STORE_FAILED',
        `cannot store locally: "${digest}" is not a sha256 digest`,
      );
    return join(this.dir, 'images', digest.replace(':', '-'), what);
  }

  /** The places `req` is stored, run directory last. */
  private targets(req: StoreRequest): string[] {
    switch (req.what) {
      case 'image-signature':
        return [this.imagePath(req.image.digest, 'signatures'), this.runPath(req)];
      case 'attestation':
        return [...req.subjects.map((s) => this.imagePath(s.digest, 'attestations')), this.runPath(req)];
      case 'run-payload':
        return [this.runPath(req)];
    }
  }

  /** Every entry stored for `req` (at `subject` for attestations, else the image or run), in store order. */
  async read(req: StoreRequest, subject?: ImageTarget): Promise<LocalEntry[]> {
    const base =
      req.what === 'image-signature'
        ? this.imagePath(req.image.digest, 'signatures')
        : req.what === 'attestation' && subject
          ? this.imagePath(subject.digest, 'attestations')
          : this.runPath(req);
    const names = (await readdir(base).catch(() => [] as string[])).filter((n) => ENTRY.test(n)).sort();
    return Promise.all(
      names.map(async (n) => ({
        dir: join(base, n),
        bytes: await readFile(join(base, n, 'payload')),
        signature: await readFile(join(base, n, 'signature'), 'utf8'),
      })),
    );
  }

  async store(req: StoreRequest): Promise<StoreResult> {
    const hash = createHash('sha256')
      .update(req.record.bytes)
      .update('\0')
      .update(req.record.signature)
      .digest('hex')
      .slice(0, 16);
    const locations: string[] = [];
    for (const base of this.targets(req)) {
      try {
        locations.push(await appendEntry(base, hash, req));
      } catch (e) {
        if (e instanceof ChainsError) throw e;
        throw new LocalStorageError('LOCAL_STORE_FAILED', `cannot write ${base}: ${(e as Error).message}`, {
          cause: e,
        });
      }
    }
    return { backend: this.type, locations };
  }
}

async function appendEntry(base: string, hash: string, req: StoreRequest): Promise<string> {
  await mkdir(base, { recursive: true });
  const names = (await readdir(base)).filter((n) => ENTRY.test(n));
  const same = names.find((n) => n.endsWith(`-${hash}`));
  if (same) return join(base, same);
  const dir = join(base, `${String(names.length).padStart(6, '0')}-${hash}`);
  await writeEntry(dir, req);
  return dir;
}

/** Files go into a temporary directory renamed into place, so an entry is complete or absent. */
async function writeEntry(dir: string, req: StoreRequest): Promise<void> {
  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp);
  await writeFile(join(tmp, 'payload'), req.record.bytes);
  await writeFile(join(tmp, 'signature'), req.record.signature);
  const id = req.record.identity;
  if (id.kind === 'certificate') {
    await writeFile(join(tmp, 'cert.pem'), id.certificatePem);
    await writeFile(join(tmp, 'chain.pem'), id.chainPem);
  }
  if (req.record.bundle)
    await writeFile(join(tmp, 'bundle.json'), JSON.stringify(req.record.bundle, null, 2));
  await writeFile(join(tmp, 'meta.json'), `${JSON.stringify(meta(req), null, 2)}\n`);
  await rename(tmp, dir);
}

function meta(req: StoreRequest): Record<string, unknown> {
  const base = { what: req.what, format: req.format, run: req.run, recordKind: req.record.kind };
  switch (req.what) {
    case 'attestation':
      return { ...base, predicateType: req.predicateType, subjects: req.subjects };
    case 'image-signature':
      return { ...base, image: req.image };
    case 'run-payload':
      return base;
  }
}
