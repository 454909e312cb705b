import { describe, expect, it } from 'vitest';
import { requestPath, requestUrl } from './http-server.ts';

describe('requestUrl', () => {
  it('reads origin-form targets as paths, `//` included (not protocol-relative)', () => {
    expect(requestUrl('/v2/a/b?x=1')?.pathname).toBe('/v2/a/b');
    expect(requestUrl('/v2/a/b?x=1')?.searchParams.get('x')).toBe('1');
    expect(requestUrl('//evil.example/x')?.pathname).toBe('//evil.example/x');
    expect(requestUrl('//')?.pathname).toBe('//');
  });

  it('reads absolute-form targets by their path', () => {
    expect(requestUrl('http://other:1/api/v1/log?a=b')?.pathname).toBe('/api/v1/log');
  });

  it('returns null for a target that is not a URL', () => {
    expect(requestUrl('http://[::1')).toBeNull();
    expect(requestUrl('http://a b/')).toBeNull();
  });
});

describe('requestPath', () => {
  it('is the path without the query, for origin-form and absolute-form targets alike', () => {
    expect(requestPath('/metrics?x=1')).toBe('/metrics');
    expect(requestPath('http://other:1/healthz')).toBe('/healthz');
    expect(requestPath(undefined)).toBe('/');
    expect(requestPath('http://[::1')).toBe('');
  });
});
