import type { EntryErrorCode } from './errors.ts';

/** Worker reply: a prepared entry, or the error to answer with. */
export type WorkerReply =
  | {
      id: number;
      ok: true;
      body: Uint8Array;
      uuid: Uint8Array;
      keys: Uint8Array;
      attestation: Uint8Array | null;
    }
  | { id: number; ok: false; entry: EntryErrorCode | ''; status: number; message: string };

/** Messages to a worker: request bodies to prepare, or the signing policy. */
export type ToWorker = { jobs: PackedJobs } | { policy: readonly string[] };
export interface FromWorker {
  replies: PackedReplies;
}

/**
 * Verify-worker messages in packed form: the request bodies of one message in one transferred buffer, and
 * the answers as one buffer (canonical bodies, attestations) plus one JSON string. Per-object structured
 * cloning and one transfer per body cost ≈ 9–12 µs per entry here; packed ≈ 4.5–5.
 */
export interface PackedJobs {
  ids: number[];
  /** End offset of each body in `data`. */
  ends: number[];
  data: ArrayBuffer;
}

export interface PackedReplies {
  data: ArrayBuffer;
  /**
   * Per job: [id, bodyLength, attestationLength or -1, keysLength] (data: body, attestation, 32-byte UUID,
   * packed index keys) or [id, entry error code or '', status, message].
   */
  meta: string;
}

type Meta = [number, number, number, number] | [number, string, number, string];

export function packJobs(jobs: readonly { id: number; body: Uint8Array }[]): PackedJobs {
  const total = jobs.reduce((n, j) => n + j.body.length, 0);
  const data = new Uint8Array(total);
  const ends: number[] = [];
  let o = 0;
  for (const j of jobs) {
    data.set(j.body, o);
    ends.push((o += j.body.length));
  }
  return { ids: jobs.map((j) => j.id), ends, data: data.buffer };
}

export function unpackJobs(p: PackedJobs): { id: number; body: Buffer }[] {
  return p.ids.map((id, i) => {
    const start = i === 0 ? 0 : (p.ends[i - 1] as number);
    return { id, body: Buffer.from(p.data, start, (p.ends[i] as number) - start) };
  });
}

export function packReplies(replies: readonly WorkerReply[]): PackedReplies {
  const parts: Uint8Array[] = [];
  const meta: Meta[] = replies.map((r) => {
    if (!r.ok) return [r.id, r.entry, r.status, r.message];
    parts.push(r.body);
    if (r.attestation) parts.push(r.attestation);
    parts.push(r.uuid, r.keys);
    return [r.id, r.body.length, r.attestation ? r.attestation.length : -1, r.keys.length];
  });
  const data = Buffer.concat(parts);
  // an exact-size copy when concat returned a view of a shared pool slab
  const buf =
    data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data : new Uint8Array(data);
  return { data: buf.buffer as ArrayBuffer, meta: JSON.stringify(meta) };
}

export function unpackReplies(p: PackedReplies): WorkerReply[] {
  let o = 0;
  const take = (n: number): Buffer => Buffer.from(p.data, (o += n) - n, n);
  return (JSON.parse(p.meta) as Meta[]).map(([id, a, b, c]): WorkerReply => {
    if (typeof a === 'string')
      return { id, ok: false, entry: a as EntryErrorCode | '', status: b, message: `${c}` };
    const body = take(a);
    const attestation = b >= 0 ? take(b) : null;
    const uuid = take(32);
    return { id, ok: true, body, uuid, keys: take(c as number), attestation };
  });
}
