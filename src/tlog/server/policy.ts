import {
  DEFAULT_CLIENT_SIGNING_ALGORITHMS,
  SIGNING_ALGORITHMS,
  parseSigningAlgorithm,
  policyKeyKind,
} from '../../keys/index.ts';
import type { PolicyHash, PolicyKeyKind } from '../../keys/index.ts';
import { EntryError } from './errors.ts';
import type { Verifier } from './pki.ts';

/**
 * The log's allowed client signing algorithms (Rekor `--client-signing-algorithms`; rekor pkg/api/entries.go
 * checkEntryAlgorithms): a hashedrekord entry whose key and digest pair is not allowed is refused with Rekor's
 * "entry algorithms are not allowed". The check is a lookup in a small table keyed by the verifier's cached key
 * kind: no allocation per entry.
 */
export class SigningPolicy {
  readonly names: readonly string[];
  readonly #allowed = new Map<PolicyKeyKind, Set<PolicyHash>>();

  constructor(names: readonly string[] = DEFAULT_CLIENT_SIGNING_ALGORITHMS) {
    this.names = [...names];
    for (const n of names) {
      const a = SIGNING_ALGORITHMS[parseSigningAlgorithm(n)];
      let hashes = this.#allowed.get(a.key);
      if (!hashes) this.#allowed.set(a.key, (hashes = new Set()));
      hashes.add(a.hash);
    }
  }

  /** Throws TLOG_ALGORITHM_NOT_ALLOWED unless the verifier's key with this digest is allowed. */
  check(v: Verifier, hash: PolicyHash): void {
    if (v.kind === undefined) v.kind = policyKeyKind(v.key);
    if (v.kind !== null && this.#allowed.get(v.kind)?.has(hash)) return;
    throw new EntryError('entry algorithms are not allowed', undefined, 'TLOG_ALGORITHM_NOT_ALLOWED');
  }
}

/** Rekor's default policy, shared by every log that is not given another. */
export const DEFAULT_POLICY = new SigningPolicy();
