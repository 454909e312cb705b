import { z } from 'zod';
import { canonicalize } from '../../../core/json.ts';
import { EntryError } from '../errors.ts';
import { parse } from './common.ts';
import type { Accepted } from './common.ts';
import { dsse } from './dsse.ts';
import { hashedRekord } from './hashedrekord.ts';
import { intotoV001, intotoV002 } from './intoto.ts';
import { DEFAULT_POLICY } from '../policy.ts';
import type { SigningPolicy } from '../policy.ts';

export type { Accepted } from './common.ts';

const proposedSchema = z.object({ apiVersion: z.string(), kind: z.string(), spec: z.unknown() });

/** Verify a proposed entry and produce Rekor's canonical form; throws EntryError for anything unacceptable. */
export function acceptProposed(value: unknown, policy: SigningPolicy = DEFAULT_POLICY): Accepted {
  const p = parse(proposedSchema, value, 'proposed entry');
  const key = `${p.kind}/${p.apiVersion}`;
  switch (key) {
    case 'hashedrekord/0.0.1':
      return hashedRekord(p.spec, policy);
    case 'dsse/0.0.1':
      return dsse(p.spec);
    case 'intoto/0.0.1':
      return intotoV001(p.spec);
    case 'intoto/0.0.2':
      return intotoV002(p.spec);
    default:
      throw new EntryError(`unsupported entry kind "${p.kind}" version "${p.apiVersion}"`);
  }
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
