import { describe, expect, it } from 'vitest';
import { hasCode } from '../core/errors.ts';
import { withRegistry } from './reference.ts';

describe('image references and --registry', () => {
  it('prefixes bare references, keeps its own, refuses other registries', () => {
    expect(withRegistry('app@sha256:ab', undefined)).toBe('app@sha256:ab');
    expect(withRegistry('evil.example/x@sha256:ab', undefined)).toBe('evil.example/x@sha256:ab');
    expect(withRegistry('team/app@sha256:ab', '127.0.0.1:5000')).toBe('127.0.0.1:5000/team/app@sha256:ab');
    expect(withRegistry('127.0.0.1:5000/app:v1', '127.0.0.1:5000/')).toBe('127.0.0.1:5000/app:v1');
    let err: unknown;
    try {
      withRegistry('169.254.169.254/latest@sha256:ab', '127.0.0.1:5000');
    } catch (e) {
      err = e;
    }
    expect(hasCode(err, 'CONSOLE_INPUT')).toBe(true);
  });
});
