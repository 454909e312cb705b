import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ChainsError } from '../../core/errors.ts';
import type { StorageBackend, StoreRequest, StoreResult } from '../backend.ts';

export class LocalStorageError extends ChainsError<'LOCAL_STORE_FAILED'> {}

const SAFE = /^[A-Za-z0-9._-]+$/;
const ENTRY = /^\d{6}-[0-9a-f]{16}$/;

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
 * `local` storage, the embedded default: one directory per signed object,
 * `<dir>/<namespace>/<taskrun|pipelinerun>/<name>/<shortKey>/<seq>-<hash>/` holding `payload` (the signed bytes:
 * DSSE envelope or simplesigning JSON), `signature` (base64), `cert.pem`/`chain.pem` when certificate-based,
 * `bundle.json` when logged, and `meta.json` (what, format, predicateType, subjects/image). Like OCI `.sig`/`.att`
 * layers, a new signature is appended and an identical one (same bytes and signature) is not stored twice.
 */
export class LocalBackend implements StorageBackend {
  readonly type = 'local';

  constructor(private readonly dir: string) {}

  /** Directory holding every entry for `req`'s run and short key. */
  pathFor(req: StoreRequest): string {
    const r = req.run;
    return join(
      this.dir,
      segment(r.namespace || 'default', 'namespace'),
      r.kind.toLowerCase(),
      segment(r.name, 'run name'),
      segment(req.shortKey, 'short key'),
    );
  }

  /** Every stored entry for `req`'s key, in store order. */
  async read(req: StoreRequest): Promise<LocalEntry[]> {
    const base = this.pathFor(req);
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
    const base = this.pathFor(req);
    const hash = createHash('sha256')
      .update(req.record.bytes)
      .update('\0')
      .update(req.record.signature)
      .digest('hex')
      .slice(0, 16);
    try {
      await mkdir(base, { recursive: true });
      const names = (await readdir(base)).filter((n) => ENTRY.test(n));
      const same = names.find((n) => n.endsWith(`-${hash}`));
      if (same) return { backend: this.type, locations: [join(base, same)] };
      const dir = join(base, `${String(names.length).padStart(6, '0')}-${hash}`);
      await writeEntry(dir, req);
      return { backend: this.type, locations: [dir] };
    } catch (e) {
      if (e instanceof ChainsError) throw e;
      throw new LocalStorageError('LOCAL_STORE_FAILED', `cannot write ${base}: ${(e as Error).message}`, {
        cause: e,
      });
    }
  }
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
