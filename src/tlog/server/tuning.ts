import { availableParallelism } from 'node:os';
import type { StoreTuning } from '../store/sqlite.ts';

/**
 * Every tuning constant of the log's append path, each with the figure that set it (2-core VM, 64 or 8 keep-alive
 * clients; method and figures: docs/design/tlog.md). API limits (retrieve size, tile width) stay with their routes.
 */

// receive
/** Request body cap (Rekor-style 413 beyond it); the largest entries are intoto statements of a few hundred KiB. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;
/** Idle keep-alive connections are closed after this; a controller reuses its connection between runs. */
export const KEEP_ALIVE_MS = 30_000;
/** Fast path: a request head larger than this goes to node:http (its own limit is 16 KiB as well). */
export const FAST_MAX_HEAD = 16 * 1024;
/** Fast path: time for a body to arrive once its head has (node:http's headersTimeout is 60 s). */
export const FAST_BODY_MS = 60_000;

// verify
/** One verify worker on ≥ 2 cores: HTTP/integration and ECDSA verify then overlap (64 clients: 1 166 → 4 043/s). */
export const defaultVerifyWorkers = (): number => (availableParallelism() > 1 ? 1 : 0);
/** Verified in the event loop while at most this many appends are in flight (8 clients: 973 → 723 µs per append). */
export const INLINE_VERIFY_UP_TO = 16;
/** The in-flight figure is the peak of the last 250–500 ms: it drops to a few each time a batch is answered. */
export const LOAD_WINDOW_MS = 250;
/** Bodies per worker message, at most 6 messages unanswered (3 770–3 830 → 4 750–5 010/s, same CPU per append). */
export const WORKER_BODIES_PER_MESSAGE = 16;
export const WORKER_MAX_OUTSTANDING = 6;

// sequence and persist
/** Most entries in one durable transaction (smaller caps measured no better; 64 clients make batches of ≈ 60). */
export const MAX_BATCH = 2000;
/** Batches written but not yet synced (group commit: 2 580–2 605 → 2 858–3 688/s; 3 or 4 measured no better). */
export const MAX_UNSYNCED_BATCHES = 2;
/** Proof cache: nodes at level ≥ 8 are kept, lower ones in two generations of 4 Ki (64 Ki: RSS 146 → 288 MiB). */
export const PROOF_CACHE_UPPER_LEVEL = 8;
export const PROOF_CACHE_GENERATION = 4_096;

export const STORE_TUNING: StoreTuning = {
  /** Entries indexed in memory before their index rows are written, sorted (≈ 28 k rows per 4 096 dsse entries). */
  indexChunk: 4_096,
  /** Index rows per batch while a chunk is written: one 42–72 ms transaction became ≈ 4 ms per batch (+3–9 %). */
  indexSlice: 2_048,
  /** fdatasync on the libuv pool from this batch size; smaller ones in the thread (a pool round trip ≈ 100 µs). */
  poolSyncFrom: 16,
  /** WAL pages between SQLite checkpoints: one per 64 MiB (≈ 135 ms each, on the event loop), not per 4 MiB. */
  walAutocheckpointPages: 16_384,
  /** Duplicate check's Bloom filter: 16 bits per UUID, ≈ 0.5 % false positives (each one a store query). */
  filterBitsPerUuid: 16,
};
