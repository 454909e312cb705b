import type { ProposedEntry } from './wire.ts';

/**
 * The entry kinds a client proposes (`chains tlog upload --type` choices): every ProposedEntry kind, no other. A
 * leaf module, so command registration can offer them without loading the client.
 */
export const ENTRY_KINDS = [
  'hashedrekord',
  'dsse',
  'intoto',
] as const satisfies readonly ProposedEntry['kind'][];
export type EntryKind = (typeof ENTRY_KINDS)[number];

// a ProposedEntry kind missing from ENTRY_KINDS makes this type `false`, and the assignment a compile error
const everyKindListed: [Exclude<ProposedEntry['kind'], EntryKind>] extends [never] ? true : false = true;
void everyKindListed;
