import { parentPort } from 'node:worker_threads';
import { EntryError, HttpError } from './errors.ts';
import { prepareBody } from './verify.ts';
import { DEFAULT_POLICY, SigningPolicy } from './policy.ts';
import type { Job } from './verify.ts';
import type { FromWorker, ToWorker, WorkerReply } from './packing.ts';
import { packReplies, unpackJobs } from './packing.ts';

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

/** Worker thread body for VerifyPool: prepare each posted batch of request bodies (one reply). */
parentPort?.on('message', (m: ToWorker) => {
  if ('policy' in m) policy = new SigningPolicy(m.policy);
  else {
    const replies = packReplies(unpackJobs(m.jobs).map(prepareJob));
    parentPort?.postMessage({ replies } satisfies FromWorker, [replies.data]);
  }
});
