import { hashLeaf } from '../../core/merkle.ts';
import { packKeys } from '../store/index-tail.ts';
import { acceptProposed, canonicalJson } from './kinds/index.ts';
import { DEFAULT_POLICY } from './policy.ts';
import type { SigningPolicy } from './policy.ts';

/**
 * A verified entry reduced to what the log stores: canonical leaf bytes (JCS), its leaf hash (the UUID), its
 * search keys as index keys, attestation. Hashes are computed here, in the verify worker under load, so the
 * event loop (the busier thread) does not.
 */
export interface Prepared {
  body: Buffer;
  uuid: Buffer;
  /** Packed index keys of the lowercased, de-duplicated search keys (store/index-tail.ts packKeys). */
  keys: Buffer;
  attestation: Buffer | null;
}

export function prepareProposed(value: unknown, policy: SigningPolicy = DEFAULT_POLICY): Prepared {
  const a = acceptProposed(value, policy);
  const body = Buffer.from(canonicalJson(a.canonical), 'utf8');
  const keys = packKeys([...new Set(a.searchKeys.map((k) => k.toLowerCase()))]);
  return { body, uuid: hashLeaf(body), keys, attestation: a.attestation };
}
