import type { KeyObject } from 'node:crypto';
import { hash } from 'node:crypto';
import type { SignedRecord } from '../core/signed.ts';
import {
  proposeDsse,
  proposeHashedRekord,
  toCosignBundle,
  toLogKey,
  TlogError,
  verifyEntryPromise,
  type LogKeyInput,
  type RekorClient,
  type TlogEntry,
} from '../tlog/client/index.ts';
import { parseBody } from '../tlog/bodies/index.ts';
import type { LogBody } from '../tlog/bodies/index.ts';
import type { LoggedEntry, TransparencyUploader, UploadedEntry } from './ports.ts';

export interface RekorUploaderOptions {
  /** the log's public key; when unset, the key the log serves is fetched once (trust on first use) */
  logPublicKey?: LogKeyInput;
}

/**
 * Uploads to a Rekor v1 API (ours or rekor.sigstore.dev): DSSE envelopes as `dsse` 0.0.1, simplesigning and raw
 * signatures as `hashedrekord` 0.0.1 over sha256(payload) (https://tekton.dev/docs/chains/config/). The client turns a 409 into the
 * existing entry, so a retried upload never creates a duplicate. Every entry is checked before it is recorded:
 * its ID is the hash of its body, its SET verifies with the log key, and the body is this record's.
 */
export class RekorUploader implements TransparencyUploader {
  readonly url: string;
  #key: Promise<KeyObject> | undefined;

  constructor(
    readonly client: RekorClient,
    private readonly opts: RekorUploaderOptions = {},
  ) {
    this.url = client.baseUrl;
  }

  /** The log key, parsed once; a failed fetch is not kept, so the next upload asks again. */
  logKey(): Promise<KeyObject> {
    if (!this.#key) {
      const k = this.opts.logPublicKey;
      const p = k ? Promise.resolve(toLogKey(k)) : this.client.publicKey().then((pem) => toLogKey(pem));
      p.catch(() => {
        if (this.#key === p) this.#key = undefined;
      });
      this.#key = p;
    }
    return this.#key;
  }

  async upload(record: SignedRecord): Promise<UploadedEntry> {
    const id = record.identity;
    const verifier = id.kind === 'certificate' ? id.certificatePem : id.publicKeyPem;
    // dsse hashes are sha256; a raw signature's digest is the one its key signs (cosign's hash per key type)
    const alg = record.kind === 'dsse' ? 'sha256' : (record.digestAlgorithm ?? 'sha256');
    const digest = hash(alg, record.bytes, 'hex');
    const proposed =
      record.kind === 'dsse'
        ? proposeDsse(record.bytes, verifier)
        : proposeHashedRekord(digest, record.signature, verifier, alg);
    const [entry, key] = await Promise.all([this.client.createEntry(proposed), this.logKey()]);
    const body = verifyEntryPromise(entry, key);
    if (!bodyIsFor(body, record, digest, alg))
      throw new TlogError('TLOG_VERIFY', `log entry ${entry.uuid} is not the entry of this signature`);
    return uploaded(entry, entry.created);
  }

  /**
   * Search the index by `sha256:<hex>` (dsse payloadHash, hashedrekord data hash: https://github.com/sigstore/rekor/blob/main/openapi.yaml; or the
   * given `sha384:`/`sha512:` digest) and fetch the newest ≤ 10 hits. Entries that do not verify are left out:
   * they cannot be reused.
   */
  async findByPayload(digest: string): Promise<LoggedEntry[]> {
    const ids = await this.client.search({ hash: digest.includes(':') ? digest : `sha256:${digest}` });
    if (ids.length === 0) return [];
    const [entries, key] = await Promise.all([
      this.client.retrieve({ entryUUIDs: ids.slice(-10) }),
      this.logKey(),
    ]);
    const out: LoggedEntry[] = [];
    for (const entry of entries) {
      try {
        out.push({ entry: uploaded(entry, false), body: verifyEntryPromise(entry, key) });
      } catch {
        // not provably in this log: sign again rather than reuse it
      }
    }
    return out;
  }
}

/** The cosign bundle of a verified entry, and what the orchestrator records about it. */
export function uploaded(entry: TlogEntry, created: boolean): UploadedEntry {
  let bundle: UploadedEntry['bundle'];
  try {
    bundle = toCosignBundle(entry);
  } catch {
    bundle = undefined; // a log without signed entry timestamps: no offline bundle
  }
  return { uuid: entry.uuid, logIndex: entry.logIndex, created, ...(bundle ? { bundle } : {}) };
}

/** Does a canonical leaf body record exactly this envelope, or this signature over this payload? */
function bodyIsFor(body: Buffer, record: SignedRecord, digest: string, alg: string): boolean {
  let b: LogBody;
  try {
    b = parseBody(body);
  } catch {
    return false;
  }
  const { payloadHash, envelopeHash, signatures } = b.facts;
  if (record.kind === 'dsse') return b.kind === 'dsse' && envelopeHash?.value === digest;
  return (
    b.kind === 'hashedrekord' &&
    payloadHash?.algorithm === alg &&
    payloadHash.value === digest &&
    signatures.some((x) => x.signature === record.signature)
  );
}
