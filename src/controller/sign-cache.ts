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
