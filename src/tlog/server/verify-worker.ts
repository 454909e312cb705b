import { parentPort } from 'node:worker_threads';
import { EntryError, HttpError } from './errors.ts';
import { prepareBody } from './pool.ts';
import type { WorkerReply } from './pool.ts';

/** Worker thread body for VerifyPool: prepare each posted request body and reply. */
parentPort?.on('message', (m: { id: number; body: Uint8Array }) => {
  let reply: WorkerReply;
  try {
    const p = prepareBody(m.body);
    const body = new Uint8Array(p.body); // exact-size copy, transferred (p.body may be a pooled slab view)
    reply = { id: m.id, ok: true, body, searchKeys: p.searchKeys, attestation: p.attestation };
  } catch (e) {
    const status = e instanceof HttpError ? e.status : e instanceof EntryError ? 400 : 500;
    const message = e instanceof Error ? e.message : String(e);
    reply = { id: m.id, ok: false, entry: e instanceof EntryError, status, message };
  }
  parentPort?.postMessage(reply, reply.ok ? [reply.body.buffer as ArrayBuffer] : []);
});
