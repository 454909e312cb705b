import type { Worker } from 'node:worker_threads';
import { describe, expect, it, vi } from 'vitest';
import { EntryError, HttpError } from './errors.ts';
import { VerifyPool, prepareProposed } from './index.ts';
import { packJobs, packReplies, unpackJobs, unpackReplies } from './packing.ts';
import type { WorkerReply } from './packing.ts';
import { LoadGauge } from './append.ts';
import { TestSigner, sha } from '../../../test/tlog/helpers.ts';

const signer = new TestSigner();

/** Records how many bodies each message to the pool's (only) worker carries. */
function jobsPosted(pool: VerifyPool): number[] {
  const [w] = (pool as unknown as { workers: Worker[] }).workers;
  const posted: number[] = [];
  const post = w!.postMessage.bind(w);
  w!.postMessage = (m: { jobs: { ids: number[] } }, t?: readonly ArrayBuffer[]) => {
    posted.push(m.jobs.ids.length);
    post(m, t as ArrayBuffer[]);
  };
  return posted;
}

describe('VerifyPool (worker threads)', () => {
  it('prepares exactly what the event-loop thread would, and maps errors', async () => {
    const pool = new VerifyPool(1);
    try {
      const proposed = signer.dsse(sha('pool')).proposed;
      const got = await pool.prepare(Buffer.from(JSON.stringify(proposed)));
      const want = prepareProposed(proposed);
      expect(got.body.equals(want.body)).toBe(true);
      expect(got.uuid).toEqual(want.uuid);
      expect(got.keys).toEqual(want.keys);
      expect(got.keys.length).toBeGreaterThan(0);
      await expect(pool.prepare(Buffer.from('{nope'))).rejects.toBeInstanceOf(HttpError);
      const bad = JSON.stringify(proposed).replace(
        /"verifiers":\["[^"]+"\]/,
        `"verifiers":["${Buffer.from(new TestSigner().publicKeyPem).toString('base64')}"]`,
      );
      await expect(pool.prepare(Buffer.from(bad))).rejects.toBeInstanceOf(EntryError);
    } finally {
      await pool.close();
    }
  });

  it('applies the configured algorithm policy in the worker and in this thread, with the error code', async () => {
    const pool = new VerifyPool(1);
    try {
      const body = Buffer.from(JSON.stringify(signer.hashedRekord('policy').proposed));
      await expect(pool.prepare(body)).resolves.toBeDefined();
      pool.usePolicy(['rsa-sign-pkcs1-2048-sha256']);
      const refused = expect.objectContaining({
        code: 'TLOG_ALGORITHM_NOT_ALLOWED',
        message: 'entry algorithms are not allowed',
      });
      await expect(pool.prepare(body)).rejects.toEqual(refused); // worker
      await expect(pool.prepare(body, 0)).rejects.toEqual(refused); // inline
      expect(() => pool.usePolicy(['nope'])).toThrow(
        /could not find matching signature algorithm for flag: nope/,
      );
    } finally {
      await pool.close();
    }
  });

  it('sends the bodies of one event-loop turn in one message and answers each with its own result', async () => {
    const pool = new VerifyPool(1);
    const posted = jobsPosted(pool);
    try {
      const proposals = Array.from({ length: 5 }, (_, i) => signer.dsse(sha(`batch${i}`)).proposed);
      const bodies = proposals.map((p) => Buffer.from(JSON.stringify(p)));
      const results = await Promise.allSettled([...bodies, Buffer.from('[]')].map((b) => pool.prepare(b)));
      expect(posted).toEqual([6]);
      results.slice(0, 5).forEach((r, i) => {
        expect(r.status).toBe('fulfilled');
        const got = (r as PromiseFulfilledResult<{ body: Buffer }>).value.body;
        expect(got.equals(prepareProposed(proposals[i]).body)).toBe(true);
      });
      expect(results[5]!.status).toBe('rejected');
      // few requests in flight: prepared in this thread, the worker gets nothing
      const inline = await pool.prepare(bodies[0]!, 3);
      expect(inline.body.equals(prepareProposed(proposals[0]).body)).toBe(true);
      expect(posted).toEqual([6]);
      await pool.prepare(bodies[1]!, 17);
      expect(posted).toEqual([6, 1]);
    } finally {
      await pool.close();
    }
  });

  it('splits a big turn into messages of 16 bodies, at most 6 unanswered; the rest waits for an answer', async () => {
    const pool = new VerifyPool(1);
    const posted = jobsPosted(pool);
    try {
      const proposals = Array.from({ length: 110 }, (_, i) => signer.dsse(sha(`split${i}`)).proposed);
      const pending = proposals.map((p) => pool.prepare(Buffer.from(JSON.stringify(p))));
      await new Promise((r) => setImmediate(r));
      expect(posted).toEqual([16, 16, 16, 16, 16, 16]); // 96 sent, 14 wait for the first answer
      const got = await Promise.all(pending);
      expect(posted).toEqual([16, 16, 16, 16, 16, 16, 14]);
      got.forEach((g, i) => expect(g.body.equals(prepareProposed(proposals[i]).body)).toBe(true));
    } finally {
      await pool.close();
    }
  });

  it('a dead worker: in-flight and later entries are prepared in the calling thread', async () => {
    const pool = new VerifyPool(1);
    const [w] = (pool as unknown as { workers: Worker[] }).workers;
    const body = Buffer.from(JSON.stringify(signer.dsse(sha('dead')).proposed));
    const inFlight = pool.prepare(body);
    await w!.terminate();
    expect((await inFlight).body.length).toBeGreaterThan(0);
    expect((await pool.prepare(body)).body.equals((await inFlight).body)).toBe(true);
    await pool.close();
  });
});

describe('packed worker messages', () => {
  it('round-trips bodies, attestations, search keys and errors in order', () => {
    const jobs = [Buffer.from('{"a":1}'), Buffer.alloc(0), Buffer.from('ü'.repeat(300))].map((body, i) => ({
      id: 10 + i,
      body,
    }));
    const p = packJobs(jobs);
    expect(unpackJobs(p).map((j) => [j.id, j.body.toString()])).toEqual(
      jobs.map((j) => [j.id, j.body.toString()]),
    );
    const replies: WorkerReply[] = [
      {
        id: 1,
        ok: true,
        body: Buffer.from('b1'),
        uuid: Buffer.alloc(32, 7),
        keys: Buffer.alloc(16, 9),
        attestation: Buffer.from('att'),
      },
      { id: 2, ok: false, entry: 'TLOG_SIGNATURE_INVALID', status: 400, message: 'bad "sig"\n' },
      {
        id: 3,
        ok: true,
        body: Buffer.from('b3'),
        uuid: Buffer.alloc(32, 3),
        keys: Buffer.alloc(0),
        attestation: null,
      },
    ];
    const back = unpackReplies(packReplies(replies));
    expect(
      back.map((r) =>
        r.ok
          ? {
              ...r,
              body: Buffer.from(r.body).toString(),
              uuid: Buffer.from(r.uuid).toString('hex'),
              keys: Buffer.from(r.keys).toString('hex'),
              attestation: r.attestation && Buffer.from(r.attestation).toString(),
            }
          : r,
      ),
    ).toEqual([
      { id: 1, ok: true, body: 'b1', uuid: '07'.repeat(32), keys: '09'.repeat(16), attestation: 'att' },
      replies[1],
      { id: 3, ok: true, body: 'b3', uuid: '03'.repeat(32), keys: '', attestation: null },
    ]);
  });
});

describe('LoadGauge', () => {
  it('reports the peak of in-flight requests over the last 250-500 ms, not the momentary count', () => {
    let now = 1000;
    const spy = vi.spyOn(performance, 'now').mockImplementation(() => now);
    try {
      const g = new LoadGauge();
      for (let i = 1; i <= 40; i++) expect(g.enter()).toBe(i);
      for (let i = 0; i < 38; i++) g.leave();
      expect(g.enter()).toBe(40); // a batch was answered: 3 in flight, but the load is still high
      g.leave();
      now += 300;
      expect(g.enter()).toBe(40); // previous window's peak
      now += 300;
      g.leave();
      expect(g.enter()).toBe(3); // two quiet windows later
    } finally {
      spy.mockRestore();
    }
  });
});
