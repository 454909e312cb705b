import { parentPort } from 'node:worker_threads';
import { EntryError, HttpError } from './errors.ts';
import type { KeyObject } from 'node:crypto';
import { prepareBody } from './pool.ts';
import { DEFAULT_POLICY, SigningPolicy } from './policy.ts';
import type { FromWorker, Job, ToWorker, WorkerReply } from './pool.ts';
import { packReplies, unpackJobs } from './packing.ts';
import { signSet } from './sets.ts';

let policy: SigningPolicy = DEFAULT_POLICY;

function prepareJob(j: Job): WorkerReply {
  try {
    const p = prepareBody(j.body, policy);
    return { id: j.id, ok: true, body: p.body, uuid: p.uuid, keys: p.keys, attestation: p.attestation };
  } catch (e) {
    const status = e instanceof HttpError ? e.status : e instanceof EntryError ? 400 : 500;
    const message = e instanceof Error ? e.message : String(e);
    return { id: j.id, ok: false, entry: e instanceof EntryError ? e.code : '', status, message };
  }
}

let key: { privateKey: KeyObject; logId: string } | null = null;

/** Worker thread body for VerifyPool: prepare each posted batch of request bodies (one reply), sign SETs. */
parentPort?.on('message', (m: ToWorker) => {
  if ('key' in m) key = m.key;
  else if ('policy' in m) policy = new SigningPolicy(m.policy);
  else if ('sets' in m) {
    const k = key;
    if (!k) throw new Error('no log key'); // the pool posts the key first; the pool signs in-thread if we die
    const sigs = m.sets.items.map((i) => new Uint8Array(signSet(k.privateKey, k.logId, i)));
    const reply: FromWorker = { signed: { id: m.sets.id, sigs } };
    parentPort?.postMessage(
      reply,
      sigs.map((s) => s.buffer as ArrayBuffer),
    );
  } else {
    const replies = packReplies(unpackJobs(m.jobs).map(prepareJob));
    parentPort?.postMessage({ replies } satisfies FromWorker, [replies.data]);
  }
});
