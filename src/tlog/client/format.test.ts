import { describe, expect, it } from 'vitest';
import type { TlogEntry } from '../types/wire.ts';
import { formatGet, getOutput } from './format.ts';

const entry = (body: string): TlogEntry => ({
  uuid: 'ab'.repeat(32),
  body: Buffer.from(body, 'utf8').toString('base64'),
  integratedTime: 1_700_000_000,
  logID: 'cd'.repeat(32),
  logIndex: 7,
});

describe('rekor-cli get output', () => {
  it('names a known kind by its Go field, and shows a kind it does not know as it is', () => {
    const known = getOutput(entry('{"kind":"hashedrekord","apiVersion":"0.0.1","spec":{"x":1}}'));
    expect(known.Body).toEqual({ HashedRekordObj: { x: 1 } });
    const other = getOutput(entry('{"kind":"rekord","apiVersion":"0.0.1","spec":{"y":2}}'));
    expect(other.Body).toEqual({ RekordObj: { y: 2 } });
    expect(formatGet(entry('{"kind":"helm","apiVersion":"0.0.1","spec":{}}'), 'default')).toContain(
      'Body: {\n  "helm": {}\n}',
    );
  });

  // the body comes from the log: hostile; a coded error, not a TypeError
  it.each(['null', '[]', '"text"', '{"kind":"x"}', 'not json'])('refuses body %s with a coded error', (b) => {
    expect(() => getOutput(entry(b))).toThrow(expect.objectContaining({ code: 'TLOG_BODY_INVALID' }));
  });
});
