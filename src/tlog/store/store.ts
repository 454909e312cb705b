import type { NodeId } from '../../core/merkle-ranges.ts';

/** One integrated entry as persisted. `uuid` is the Merkle leaf hash. */
export interface StoredEntry {
  index: number;
  uuid: Buffer;
  body: Buffer;
  integratedTime: number;
  /** Signed entry timestamp (DER), signed once at integration. */
  set: Buffer;
  /** Stored in-toto statement for intoto entries (Rekor attestation storage). */
  attestation: Buffer | null;
  /** `body` in base64 when already computed (an entry just integrated); never persisted. */
  bodyBase64?: string;
}

export interface StoredNode extends NodeId {
  hash: Buffer;
}

export interface StoredCheckpoint {
  size: number;
  rootHash: Buffer;
  note: string;
}

/** Everything one integration batch writes; a store must apply it atomically and durably. */
export interface Batch {
  /** `keys`: the entry's index keys, packed (8-byte SHA-256 prefixes of its lowercased search keys). */
  entries: { entry: StoredEntry; keys: Buffer }[];
  nodes: StoredNode[];
  checkpoint: StoredCheckpoint;
}

export interface StoreState {
  treeId: string | null;
  size: number;
  checkpoint: StoredCheckpoint | null;
}

/**
 * Persistence role for the log (SQLite now; PostgreSQL can follow). Async so networked backends fit.
 * The tree is stored as perfect-subtree nodes so any proof needs O(log n) node reads.
 */
export interface LogStore {
  state(): Promise<StoreState>;
  setTreeId(treeId: string): Promise<void>;
  /** Atomically persist a batch; resolves only once the batch is durable (write, then sync). */
  commit(batch: Batch): Promise<void>;
  /**
   * Atomically apply a batch, visible to reads but not yet durable; rejects with nothing applied. Lets the log
   * write the next batch while the previous one syncs (group commit).
   */
  write(batch: Batch): Promise<void>;
  /** Resolves once everything written before the call is durable; `entries` hints the batch size. */
  sync(entries: number): Promise<void>;
  entryByIndex(index: number): Promise<StoredEntry | null>;
  entryByUuid(uuid: Buffer): Promise<StoredEntry | null>;
  entriesInRange(from: number, to: number): Promise<StoredEntry[]>;
  /** Hashes of the given nodes, same order; throws when one is missing. */
  nodes(ids: readonly NodeId[]): Promise<Buffer[]>;
  /** Leaf hashes (UUIDs) indexed under `key` (lowercased by the caller). */
  search(key: string): Promise<Buffer[]>;
  close(): Promise<void>;
}
