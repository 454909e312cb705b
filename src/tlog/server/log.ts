import { randomBytes } from 'node:crypto';
import type { Clock } from '../../core/clock.ts';
import { consistencyRanges, inclusionRanges, rangeNodes } from '../../core/merkle-ranges.ts';
import type { LogStore, StoredCheckpoint, StoredEntry } from '../store/store.ts';
import type { LogKey } from './logkey.ts';
import { GroupCommit } from './persist.ts';
import type { AddResult } from './persist.ts';
import type { Prepared } from './prepare.ts';
import { TreeReader } from './proofs.ts';
import { Sequencer, rootOf } from './sequence.ts';
import type { Frontier, Sequenced } from './sequence.ts';

export interface LogOptions {
  store: LogStore;
  key: LogKey;
  hostname: string;
  clock: Clock;
  /** Most entries integrated in one durable transaction (default MAX_BATCH). */
  maxBatch?: number;
}

/**
 * The log: its tree ID, published head and proofs. Appends go through sequence.ts (indices, SETs, checkpoint)
 * and persist.ts (group commit); the head moves only when a batch is durable.
 */
export class TransparencyLog {
  readonly origin: string;
  readonly key: LogKey;
  /** Rekor's logID: hex SHA-256 of the log key's SPKI DER. */
  readonly logId: string;
  readonly store: LogStore;
  private readonly tree: TreeReader;
  private readonly commit: GroupCommit;

  private constructor(
    o: LogOptions,
    readonly treeId: string,
    private head: StoredCheckpoint,
    frontier: Frontier,
  ) {
    this.origin = `${o.hostname} - ${treeId}`;
    [this.key, this.logId, this.store] = [o.key, o.key.logId, o.store];
    this.tree = new TreeReader(o.store);
    const seq = new Sequencer(o.key, o.hostname, this.origin, o.clock, frontier, head.size);
    this.head = { ...head, note: seq.signHead(head.size, head.rootHash) };
    this.commit = new GroupCommit(o.store, seq, (s) => this.publish(s), o.maxBatch);
  }

  /** Open the log, creating tree ID and an empty signed checkpoint on first start; checks tree vs checkpoint. */
  static async open(o: LogOptions): Promise<TransparencyLog> {
    const st = await o.store.state();
    let treeId = st.treeId;
    if (!treeId) {
      treeId = (randomBytes(8).readBigUInt64BE() >> 1n || 1n).toString(10);
      await o.store.setTreeId(treeId);
    }
    const ids = rangeNodes(0, st.size);
    const hashes = await o.store.nodes(ids);
    const frontier: Frontier = [];
    ids.forEach((id, i) => (frontier[id.level] = hashes[i]));
    const root = rootOf(frontier);
    if (st.checkpoint && !root.equals(st.checkpoint.rootHash))
      throw new Error(`log store is inconsistent: tree root at size ${st.size} differs from its checkpoint`);
    return new TransparencyLog(o, treeId, { size: st.size, rootHash: root, note: '' }, frontier);
  }

  private publish(s: Sequenced): void {
    this.tree.remember(s.nodes);
    this.head = s.checkpoint;
  }

  /** Append a verified entry; resolves once it is durable (or with the equal entry already in the log). */
  add(prepared: Prepared): Promise<AddResult> {
    return this.commit.add(prepared);
  }

  /** The published head: every entry it covers is durable. */
  get checkpoint(): StoredCheckpoint {
    return this.head;
  }

  async inclusionProof(index: number, size: number): Promise<Buffer[]> {
    return this.tree.hashes(inclusionRanges(index, size), size);
  }

  async consistencyProof(first: number, last: number): Promise<Buffer[]> {
    return first === last ? [] : this.tree.hashes(consistencyRanges(first, last), last);
  }

  /** MTH of the first `size` leaves. */
  async rootAt(size: number): Promise<Buffer> {
    return size === this.head.size ? this.head.rootHash : this.tree.rootAt(size);
  }

  /** The stored entry equal to an accepted proposal, if integrated. */
  async find(prepared: Prepared): Promise<StoredEntry | null> {
    const e = await this.store.entryByUuid(prepared.uuid);
    return e && e.index < this.head.size ? e : null;
  }

  /** Wait for queued entries to integrate (used on shutdown). */
  async drain(): Promise<void> {
    while (!this.commit.idle) await new Promise((r) => setTimeout(r, 5));
  }
}
