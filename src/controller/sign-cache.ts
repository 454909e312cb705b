import { X509Certificate } from 'node:crypto';
import type { SignedRecord } from '../core/signed.ts';
import type { UploadedEntry } from './ports.ts';

interface Cached {
  record: SignedRecord;
  entry?: UploadedEntry;
}

/**
 * Signed records (and their log entries) kept between retries of the same run, so a retry after a storage or
 * log failure re-uses the same signature: ECDSA signatures are randomised, and re-signing would create a second
 * log entry and a second OCI layer. Bounded: the oldest runs are dropped first.
 */
export class SignCache {
  private readonly runs = new Map<string, Map<string, Cached>>();

  constructor(private readonly maxRuns = 10_000) {}

  get(uid: string, key: string): Cached | undefined {
    return this.runs.get(uid)?.get(key);
  }

  set(uid: string, key: string, value: Cached): void {
    let m = this.runs.get(uid);
    if (!m) {
      m = new Map();
      this.runs.set(uid, m);
      if (this.runs.size > this.maxRuns) {
        const oldest = this.runs.keys().next().value;
        if (oldest !== undefined) this.runs.delete(oldest);
      }
    }
    m.set(key, value);
  }

  forget(uid: string): void {
    this.runs.delete(uid);
  }

  get size(): number {
    return this.runs.size;
  }
}

/** Time a log upload may take: a certificate closer than this to notAfter is not sent to the log again. */
const UPLOAD_MARGIN_MS = 30_000;

/**
 * A keyless record whose certificate expires before a retried upload could be integrated: the log would record it
 * outside the certificate's validity (verifiers refuse that), so it is signed anew with a current certificate.
 */
export function tooLateToLog(record: SignedRecord, nowMs = Date.now()): boolean {
  if (record.identity.kind !== 'certificate') return false;
  try {
    return (
      nowMs >= Date.parse(new X509Certificate(record.identity.certificatePem).validTo) - UPLOAD_MARGIN_MS
    );
  } catch {
    return true;
  }
}
