import { createPublicKey, sign } from 'node:crypto';
import type { KeyObject, X509Certificate } from 'node:crypto';
import { hashLeaf, emptyRoot } from '../../core/merkle.ts';
import { appendToFrontier, consistencyRanges, inclusionRanges, rangeHash } from '../../core/merkle-ranges.ts';
import { sha256 } from '../../core/hash.ts';
import type { Clock } from '../../core/clock.ts';
import { precertEntry, timestampedEntry, x509Entry } from '../sct/entry.ts';
import type { SignedEntry } from '../sct/entry.ts';
import { decodeSct, encodeDigitallySigned, encodeSct, HASH_SHA256, SIG_ECDSA } from '../sct/sct.ts';
import type { Sct } from '../sct/sct.ts';
import { ctLogId } from '../sct/verify.ts';
import { checkChain } from './chain.ts';
import type { SubmissionKind } from './chain.ts';
import { CtLogError } from './errors.ts';
import type { CtStore } from './store.ts';
import type { CtEntryRow, CtNode } from './store.ts';
import { uint, uint64, vector } from '../sct/tls.ts';

/** RFC 6962 §3.5 signed tree head. */
export interface SignedTreeHead {
  treeSize: number;
  timestamp: number;
  rootHash: Buffer;
  /** TLS DigitallySigned over the TreeHeadSignature struct. */
  signature: Buffer;
}

interface Pending {
  row: CtEntryRow;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/** get-entries extra_data (RFC 6962 §4.6): the chain, and for a precert the precertificate first. */
function extraData(kind: SubmissionKind, leaf: Buffer, rest: Buffer[]): Buffer {
  const chain = vector(Buffer.concat(rest.map((c) => vector(c, 3))), 3);
  return kind === 'add-pre-chain' ? Buffer.concat([vector(leaf, 3), chain]) : chain;
}

/** An RFC 6962 log: entries are sequenced and made durable in batches (group commit); SCTs only after commit. */
export class CtLog {
  readonly publicKey: KeyObject;
  readonly logId: Buffer;
  /** Entries committed (sequenced). */
  private size: number;
  /** Entries committed and synced: what tree heads, proofs and get-entries cover. */
  private durable: number;
  private readonly edge: (Buffer | undefined)[] = [];
  private queue: Pending[] = [];
  private readonly inFlight = new Map<string, Promise<Sct>>();
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly store: CtStore,
    private readonly privateKey: KeyObject,
    readonly roots: readonly X509Certificate[],
    private readonly clock: Clock,
  ) {
    this.publicKey = createPublicKey(privateKey);
    this.logId = ctLogId(this.publicKey);
    this.size = store.size();
    this.durable = this.size;
    for (let level = 0; 2 ** level <= this.size; level++)
      if (Math.floor(this.size / 2 ** level) % 2 === 1)
        this.edge[level] = store.node({ level, index: Math.floor(this.size / 2 ** level) - 1 });
  }

  get treeSize(): number {
    return this.durable;
  }

  private signEntry(timestamp: number, entry: SignedEntry): Sct {
    const signature = sign('sha256', timestampedEntry(timestamp, entry), this.privateKey);
    return {
      version: 0,
      logId: this.logId,
      timestamp,
      extensions: Buffer.alloc(0),
      hashAlgorithm: HASH_SHA256,
      signatureAlgorithm: SIG_ECDSA,
      signature,
    };
  }

  /** add-chain / add-pre-chain: check, dedupe, sequence, commit, then answer the SCT. */
  async add(kind: SubmissionKind, ders: Buffer[]): Promise<Sct> {
    const c = checkChain(ders, this.roots, kind);
    const entry = kind === 'add-pre-chain' ? precertEntry(c.leaf, c.issuer) : x509Entry(c.leaf);
    const identity = sha256(timestampedEntry(0, entry));
    const key = identity.toString('latin1');
    const waiting = this.inFlight.get(key); // checked first: an in-flight row is committed before it is synced
    if (waiting) return waiting;
    const known = this.store.byIdentity(identity);
    if (known) {
      if (known.index >= this.durable) {
        // left by a failed sync: make it durable before its SCT is answered again, and cover it in tree heads
        const upto = this.size;
        await this.store.sync();
        this.durable = Math.max(this.durable, upto);
      }
      return decodeSct(known.sct);
    }
    const timestamp = this.clock.now().getTime();
    const sct = this.signEntry(timestamp, entry);
    const leaf = timestampedEntry(timestamp, entry);
    const row = {
      index: -1,
      identity,
      leaf,
      leafHash: hashLeaf(leaf),
      extra: extraData(kind, c.leaf, c.rest),
      sct: encodeSct(sct),
    };
    const p = new Promise<Sct>((resolve, reject) => {
      this.queue.push({ row, resolve: () => resolve(sct), reject });
      this.schedule();
    }).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, p);
    return p;
  }

  /** One flush at a time; what arrives while one is writing or syncing goes into the next (group commit). */
  private schedule(): void {
    if (this.flushing) return;
    this.flushing = new Promise<void>((done) =>
      setImmediate(() => {
        void this.flush().then(() => {
          this.flushing = null;
          done();
          if (this.queue.length > 0) this.schedule();
        });
      }),
    );
  }

  /**
   * One transaction for everything queued, then an fdatasync of the WAL off the event loop; SCTs are answered
   * only after both. On a failed write nothing is acknowledged and the frontier is restored.
   */
  private async flush(): Promise<void> {
    const batch = this.queue;
    this.queue = [];
    const saved = [...this.edge];
    const nodes: CtNode[] = [];
    batch.forEach((p, i) => {
      p.row.index = this.size + i;
      nodes.push(...appendToFrontier(this.edge, p.row.index, p.row.leafHash));
    });
    const fail = (e: unknown): void => {
      const err = new CtLogError('CT_STORE', `cannot store entries: ${(e as Error).message}`, { cause: e });
      for (const p of batch) p.reject(err);
    };
    try {
      this.store.append(
        batch.map((p) => p.row),
        nodes,
      );
    } catch (e) {
      this.edge.splice(0, this.edge.length, ...saved);
      return fail(e);
    }
    this.size += batch.length;
    const upto = this.size;
    try {
      await this.store.sync();
    } catch (e) {
      return fail(e); // committed but maybe not on disk: never acknowledged, never in a signed tree head
    }
    this.durable = Math.max(this.durable, upto);
    for (const p of batch) p.resolve();
  }

  /** Wait until nothing is queued (used on close). */
  async drain(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  rootAt(size: number): Buffer {
    return size === 0 ? emptyRoot() : rangeHash(0, size, (id) => this.store.node(id));
  }

  /** RFC 6962 §3.5: sign version ‖ tree_hash(1) ‖ timestamp ‖ tree_size ‖ root. */
  signedTreeHead(): SignedTreeHead {
    const treeSize = this.durable;
    const rootHash = this.rootAt(treeSize);
    const timestamp = this.clock.now().getTime();
    const tbs = Buffer.concat([uint(0, 1), uint(1, 1), uint64(timestamp), uint64(treeSize), rootHash]);
    const signature = encodeDigitallySigned({
      hashAlgorithm: HASH_SHA256,
      signatureAlgorithm: SIG_ECDSA,
      signature: sign('sha256', tbs, this.privateKey),
    });
    return { treeSize, timestamp, rootHash, signature };
  }

  private checkSize(n: number, what: string): void {
    if (!Number.isSafeInteger(n) || n < 0 || n > this.durable)
      throw new CtLogError('CT_REQUEST_INVALID', `${what} ${n} is not in 0..${this.durable}`);
  }

  consistency(first: number, second: number): Buffer[] {
    this.checkSize(first, 'first');
    this.checkSize(second, 'second');
    if (first > second) throw new CtLogError('CT_REQUEST_INVALID', 'first must not exceed second');
    if (first === 0 || first === second) return [];
    return consistencyRanges(first, second).map(([lo, hi]) => rangeHash(lo, hi, (id) => this.store.node(id)));
  }

  proofByHash(leafHash: Buffer, treeSize: number): { leafIndex: number; auditPath: Buffer[] } {
    this.checkSize(treeSize, 'tree_size');
    const row = this.store.byLeafHash(leafHash);
    if (!row || row.index >= treeSize)
      throw new CtLogError('CT_NOT_FOUND', `no leaf with that hash in a tree of ${treeSize}`);
    const auditPath = inclusionRanges(row.index, treeSize).map(([lo, hi]) =>
      rangeHash(lo, hi, (id) => this.store.node(id)),
    );
    return { leafIndex: row.index, auditPath };
  }

  entries(start: number, end: number, max: number): CtEntryRow[] {
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start)
      throw new CtLogError('CT_REQUEST_INVALID', 'need 0 <= start <= end');
    if (start >= this.durable)
      throw new CtLogError('CT_REQUEST_INVALID', `start ${start} is beyond the tree size ${this.durable}`);
    return this.store.entries(start, Math.min(end, start + max - 1, this.durable - 1));
  }
}
