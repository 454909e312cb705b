/**
 * The log entry kinds, one `kind/apiVersion` per line: the one list the body schemas (tlog/bodies), the server's
 * kinds (tlog/server/kinds) and the contract suite derive from (https://github.com/sigstore/rekor/tree/main/pkg/types).
 * A leaf module, so command registration can offer the kinds without loading any schema.
 */
export const ENTRY_KIND_IDS = ['hashedrekord/0.0.1', 'dsse/0.0.1', 'intoto/0.0.1', 'intoto/0.0.2'] as const;
export type EntryKindId = (typeof ENTRY_KIND_IDS)[number];

type KindOf<I> = I extends `${infer K}/${string}` ? K : never;
/** An entry kind without its version (`chains tlog upload --type` choices). */
export type EntryKind = KindOf<EntryKindId>;

const kindOf = <I extends EntryKindId>(id: I): KindOf<I> => id.slice(0, id.indexOf('/')) as KindOf<I>;

/** The kinds, each once, in list order. */
export const ENTRY_KINDS: readonly EntryKind[] = [...new Set(ENTRY_KIND_IDS.map(kindOf))];

/** The id of a kind and version, or undefined when the list does not hold it. */
export function entryKindId(kind: unknown, apiVersion: unknown): EntryKindId | undefined {
  const id = `${String(kind)}/${String(apiVersion)}`;
  return (ENTRY_KIND_IDS as readonly string[]).includes(id) ? (id as EntryKindId) : undefined;
}
