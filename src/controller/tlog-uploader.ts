import { sha256Hex } from '../core/hash.ts';
import type { SignedRecord } from '../core/signed.ts';
import { proposeDsse, proposeHashedRekord, toCosignBundle, type RekorClient } from '../tlog/client/index.ts';
import type { TransparencyUploader, UploadedEntry } from './ports.ts';

/**
 * Uploads to a Rekor v1 API (ours or rekor.sigstore.dev): DSSE envelopes as `dsse` 0.0.1, simplesigning and raw
 * signatures as `hashedrekord` 0.0.1 over sha256(payload) (chains.md §6). The client turns a 409 into the
 * existing entry, so a retried upload never creates a duplicate.
 */
export class RekorUploader implements TransparencyUploader {
  readonly url: string;

  constructor(private readonly client: RekorClient) {
    this.url = client.baseUrl;
  }

  async upload(record: SignedRecord): Promise<UploadedEntry> {
    const id = record.identity;
    const verifier = id.kind === 'certificate' ? id.certificatePem : id.publicKeyPem;
    const proposed =
      record.kind === 'dsse'
        ? proposeDsse(record.bytes, verifier)
        : proposeHashedRekord(sha256Hex(record.bytes), record.signature, verifier);
    const entry = await this.client.createEntry(proposed);
    let bundle: UploadedEntry['bundle'];
    try {
      bundle = toCosignBundle(entry);
    } catch {
      bundle = undefined; // a log without signed entry timestamps: no offline bundle
    }
    return {
      uuid: entry.uuid,
      logIndex: entry.logIndex,
      created: entry.created,
      ...(bundle ? { bundle } : {}),
    };
  }
}
