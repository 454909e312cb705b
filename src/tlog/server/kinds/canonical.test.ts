import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalize } from '../../../core/json.ts';
import { canonicalJson } from './index.ts';

describe('canonicalJson (the stringify shortcut of JCS)', () => {
  it('equals RFC 8785 canonicalisation for any JSON value, sorted or not', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(canonicalJson(v)).toBe(canonicalize(v));
      }),
      { numRuns: 2000 },
    );
  });

  it('sorts keys the stringify shortcut would leave in insertion order', () => {
    const v = { spec: { b: 1, a: [{ y: 'é', x: null }] }, apiVersion: '0.0.1', kind: 'k' };
    expect(canonicalJson(v)).toBe(
      '{"apiVersion":"0.0.1","kind":"k","spec":{"a":[{"x":null,"y":"é"}],"b":1}}',
    );
    expect(canonicalJson({ a: 1, b: undefined })).toBe('{"a":1}');
  });
});
