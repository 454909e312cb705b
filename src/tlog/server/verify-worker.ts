import { parentPort } from 'node:worker_threads';
import { EntryError, HttpError } from './errors.ts';
import { prepareBody } from './pool.ts';
import type { Job, WorkerReply } from './pool.ts';

function prepareJob(j: Job): WorkerReply {
  try {
    const p = prepareBody(j.body);
    const body = new Uint8Array(p.body); // exact-size copy, transferred (p.body may be a pooled slab view)
    return { id: j.id, ok: true, body, searchKeys: p.searchKeys, attestation: p.attestation };
  } catch (e) {
    const status = e instanceof HttpError ? e.status : e instanceof EntryError ? 400 : 500;
    const message = e instanceof Error ? e.message : String(e);
    return { id: j.id, ok: false, entry: e instanceof EntryError, status, message };
  }
}

/** Worker thread body for VerifyPool: prepare each posted batch of request bodies, reply in one message. */
parentPort?.on('message', (m: { jobs: Job[] }) => {
  const replies = m.jobs.map(prepareJob);
  const transfer = replies.flatMap((r) => (r.ok ? [r.body.buffer as ArrayBuffer] : []));
  parentPort?.postMessage({ replies }, transfer);
});
