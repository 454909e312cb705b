import { z } from 'zod';
import { canonicalize } from '../../../core/json.ts';
import { entryKindId } from '../../bodies/index.ts';
import type { BodySpec, EntryKindId } from '../../bodies/index.ts';
import { EntryError } from '../errors.ts';
import { parse } from './common.ts';
import type { ServerKind } from './common.ts';
import { dsseV001 } from './dsse-v001.ts';
import { hashedRekordV001 } from './hashedrekord-v001.ts';
import { intotoV001 } from './intoto-v001.ts';
import { intotoV002 } from './intoto-v002.ts';
import { DEFAULT_POLICY } from '../policy.ts';
import type { SigningPolicy } from '../policy.ts';

/**
 * The server side of every entry kind in the list (tlog/bodies/ids.ts): one file per kind and version, one line
 * here; a kind in the list without its line does not compile.
 */
export const SERVER_KINDS = {
  'hashedrekord/0.0.1': hashedRekordV001,
  'dsse/0.0.1': dsseV001,
  'intoto/0.0.1': intotoV001,
  'intoto/0.0.2': intotoV002,
} as const satisfies { [I in EntryKindId]: ServerKind<I> };

/** A verified entry in Rekor's canonical form (keys in JCS order), its search keys and attestation. */
export interface Accepted {
  canonical: { apiVersion: string; kind: string; spec: BodySpec<EntryKindId> };
  searchKeys: string[];
  attestation: Buffer | null;
}

const proposedSchema = z.object({ apiVersion: z.string(), kind: z.string(), spec: z.unknown() });

/** Verify a proposed entry and produce Rekor's canonical form; throws EntryError for anything unacceptable. */
export function acceptProposed(value: unknown, policy: SigningPolicy = DEFAULT_POLICY): Accepted {
  const p = parse(proposedSchema, value, 'proposed entry');
  const id = entryKindId(p.kind, p.apiVersion);
  if (!id) throw new EntryError(`unsupported entry kind "${p.kind}" version "${p.apiVersion}"`);
  const { spec, searchKeys, attestation } = SERVER_KINDS[id].accept(p.spec, policy);
  return { canonical: { apiVersion: p.apiVersion, kind: p.kind, spec }, searchKeys, attestation };
}

/** Keys in UTF-16 order at every level, finite numbers only: then JSON.stringify is the JCS form. */
function alreadyCanonical(v: unknown): boolean {
  if (typeof v === 'number') return Number.isFinite(v);
  if (v === null || typeof v !== 'object')
    return v === null || typeof v === 'string' || typeof v === 'boolean';
  if (Array.isArray(v)) return v.every(alreadyCanonical);
  const keys = Object.keys(v);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string;
    if ((i > 0 && (keys[i - 1] as string) >= k) || !alreadyCanonical((v as Record<string, unknown>)[k]))
      return false;
  }
  return true;
}

/** RFC 8785 JCS: the kinds build their canonical objects with sorted keys, so this is mostly a stringify. */
export function canonicalJson(v: unknown): string {
  return alreadyCanonical(v) ? JSON.stringify(v) : canonicalize(v);
}
