import { z } from 'zod';
import { canonicalize } from '../../../core/json.ts';
import { EntryError } from '../errors.ts';
import { parse } from './common.ts';
import type { Accepted } from './common.ts';
import { dsse } from './dsse.ts';
import { hashedRekord } from './hashedrekord.ts';
import { intotoV001, intotoV002 } from './intoto.ts';

export type { Accepted } from './common.ts';

const proposedSchema = z.object({ apiVersion: z.string(), kind: z.string(), spec: z.unknown() });

/** Verify a proposed entry and produce Rekor's canonical form; throws EntryError for anything unacceptable. */
export function acceptProposed(value: unknown): Accepted {
  const p = parse(proposedSchema, value, 'proposed entry');
  const key = `${p.kind}/${p.apiVersion}`;
  switch (key) {
    case 'hashedrekord/0.0.1':
      return hashedRekord(p.spec);
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

/** A verified entry reduced to what the log stores: canonical leaf bytes (JCS), search keys, attestation. */
export interface Prepared {
  body: Buffer;
  searchKeys: string[];
  attestation: Buffer | null;
}

export function prepareProposed(value: unknown): Prepared {
  const a = acceptProposed(value);
  return {
    body: Buffer.from(canonicalize(a.canonical), 'utf8'),
    searchKeys: a.searchKeys,
    attestation: a.attestation,
  };
}
