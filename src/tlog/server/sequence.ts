import { sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { checkpointSigner } from '../../core/checkpoint.ts';
import type { Clock } from '../../core/clock.ts';
import { emptyRoot, hashChildren } from '../../core/merkle.ts';
import { appendToFrontier } from '../../core/merkle-ranges.ts';
import type { Batch, StoredNode } from '../store/store.ts';
import type { LogKey } from './logkey.ts';
import type { Prepared } from './prepare.ts';

/**
 * Stage 4 of the append path, sequence. In: a batch of verified entries. Out: what the store writes for it:
 * the next log indices, one integrated time, each entry's SET, the tree nodes each entry completes, and the
 * signed checkpoint of the new tree head. The log's signatures (SETs, checkpoints) are made here only.
 */

/** A compact range: `frontier[level]` is the pending left subtree root at that level (RFC 6962 §2.1). */
export type Frontier = (Buffer | undefined)[];

export interface Sequenced extends Batch {
  /** The frontier after this batch. */
  frontier: Frontier;
}

/** What a signed entry timestamp covers (https://github.com/sigstore/rekor/blob/main/openapi.yaml), besides the log ID. */
export interface SetItem {
  bodyBase64: string;
  integratedTime: number;
  logIndex: number;
}

/**
 * The SET: ECDSA over the canonical JSON of body (base64), integratedTime, logID, logIndex (types/wire.ts
 * setMessage). The keys are written in sorted order and the values are ASCII strings and integers, so this
 * template is that canonical form, without a generic canonicaliser per entry.
 */
export function signSet(privateKey: KeyObject, logId: string, i: SetItem): Buffer {
  const message = `{"body":"${i.bodyBase64}","integratedTime":${i.integratedTime},"logID":"${logId}","logIndex":${i.logIndex}}`;
  return sign('sha256', Buffer.from(message, 'latin1'), privateKey);
}

/** MTH of the leaves a frontier covers. */
export function rootOf(frontier: Frontier): Buffer {
  let r: Buffer | undefined;
  for (const h of frontier) if (h) r = r ? hashChildren(h, r) : h;
  return r ?? emptyRoot();
}

export class Sequencer {
  private readonly signNote: ReturnType<typeof checkpointSigner>;

  /** `frontier` and `size`: the tree as written so far (including batches not yet synced). */
  constructor(
    private readonly key: LogKey,
    hostname: string,
    private readonly origin: string,
    private readonly clock: Clock,
    private frontier: Frontier,
    private size: number,
  ) {
    this.signNote = checkpointSigner(hostname, key.privateKey, key.publicKey);
  }

  /** The signed note of a tree head (C2SP signed-note checkpoint, core/checkpoint.ts). */
  signHead(size: number, rootHash: Buffer): string {
    return this.signNote({ origin: this.origin, size, rootHash, extensions: [] });
  }

  /** A batch sequenced after everything accepted so far; nothing changes until accept(). */
  sequence(batch: readonly Prepared[]): Sequenced {
    const integratedTime = Math.floor(this.clock.now().getTime() / 1000);
    const frontier = [...this.frontier];
    const nodes: StoredNode[] = [];
    const entries = batch.map((p, i) => {
      const index = this.size + i;
      nodes.push(...appendToFrontier(frontier, index, p.uuid));
      const bodyBase64 = p.body.toString('base64'); // made once, for the SET and the answer
      const set = signSet(this.key.privateKey, this.key.logId, {
        bodyBase64,
        integratedTime,
        logIndex: index,
      });
      const { uuid, body, attestation, keys } = p;
      return { entry: { index, uuid, body, integratedTime, set, attestation, bodyBase64 }, keys };
    });
    const size = this.size + batch.length;
    const rootHash = rootOf(frontier);
    return { entries, nodes, checkpoint: { size, rootHash, note: this.signHead(size, rootHash) }, frontier };
  }

  /** The batch was written: the next one follows it. */
  accept(s: Sequenced): void {
    this.frontier = s.frontier;
    this.size = s.checkpoint.size;
  }
}
