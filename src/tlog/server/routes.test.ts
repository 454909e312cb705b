import { describe, expect, it } from 'vitest';
import { EntryError, HttpError } from './errors.ts';
import { respond } from './routes.ts';
import type { Route } from './routes.ts';

/** A table whose handlers throw what the test asks for, and a body reader that counts its calls. */
function table(fail: unknown): { routes: Route[]; reads: () => number; body: () => Promise<Buffer> } {
  let n = 0;
  const routes: Route[] = [
    {
      method: 'POST',
      path: '/append',
      fast: true,
      handle: (r) => ({ status: 201, headers: [], body: r.body }),
    },
    {
      method: 'GET',
      path: /^\/item\/(\d+)$/,
      handle: (_, m) => ({ status: 200, headers: [], body: m![1]! }),
    },
    {
      method: 'GET',
      path: '/fail',
      handle: () => {
        throw fail;
      },
    },
  ];
  return { routes, reads: () => n, body: async () => (n++, Buffer.from('{}')) };
}

const decode = (b: Buffer | string): unknown => JSON.parse(b.toString());

describe('the route table', () => {
  it('matches exact paths (trailing slash ignored) and patterns; reads the body for POST routes only', async () => {
    const t = table(null);
    expect(await respond(t.routes, 'POST', '/append/', t.body)).toMatchObject({ status: 201 });
    expect((await respond(t.routes, 'GET', '/item/42?x=1', t.body)).body).toBe('42');
    expect(t.reads()).toBe(1);
    const missing = await respond(t.routes, 'POST', '/nope', t.body);
    expect([missing.status, decode(missing.body)]).toEqual([
      404,
      { code: 404, message: 'path /nope was not found' },
    ]);
    expect((await respond(t.routes, 'GET', '/append', t.body)).status).toBe(404); // method is part of the route
    expect(t.reads()).toBe(1);
  });

  it.each([
    [
      new HttpError(409, 'exists', { Location: '/x' }),
      409,
      { code: 409, message: 'exists' },
      ['Location', '/x'],
    ],
    [new EntryError('bad sig'), 400, { code: 400, message: 'error processing entry: bad sig' }, []],
    [new Error('secret detail'), 500, { code: 500, message: 'internal error' }, []],
  ])('maps %s to one Rekor-style answer', async (e, status, body, extra) => {
    const t = table(e);
    const a = await respond(t.routes, 'GET', '/fail', t.body);
    expect(a.status).toBe(status);
    expect(decode(a.body)).toEqual(body);
    expect(a.headers).toEqual(['Content-Type', 'application/json', ...extra]);
  });

  it('answers a target that is not a URL with 400, and a failed body read with its error', async () => {
    const t = table(null);
    expect((await respond(t.routes, 'GET', 'http://[bad', t.body)).status).toBe(400);
    const tooBig = () => Promise.reject(new HttpError(413, 'request body too large'));
    expect((await respond(t.routes, 'POST', '/append', tooBig)).status).toBe(413);
  });
});
