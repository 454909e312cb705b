import { describe, expect, it } from 'vitest';
import { formatHostPort, parseHostPort } from './address.ts';
import { hasCode } from './errors.ts';

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    return hasCode(e, 'INVALID_ADDRESS') ? 'INVALID_ADDRESS' : String(e);
  }
  return undefined;
};

describe('parseHostPort', () => {
  it('reads host:port, [IPv6]:port, :port and a bare port', () => {
    expect(parseHostPort('127.0.0.1:5000')).toEqual({ host: '127.0.0.1', port: 5000 });
    expect(parseHostPort('localhost:0')).toEqual({ host: 'localhost', port: 0 });
    expect(parseHostPort('[::1]:8080')).toEqual({ host: '::1', port: 8080 });
    expect(parseHostPort('[fe80::1%eth0]:65535')).toEqual({ host: 'fe80::1%eth0', port: 65535 });
    expect(parseHostPort(':9090', '0.0.0.0')).toEqual({ host: '0.0.0.0', port: 9090 });
    expect(parseHostPort('3000')).toEqual({ host: '127.0.0.1', port: 3000 });
  });

  it('refuses an IPv6 address without brackets, bad ports and broken brackets with INVALID_ADDRESS', () => {
    for (const bad of [
      '::1',
      '::1:80',
      'fe80::1:8080',
      '[::1]',
      '[::1]8080',
      '[]:80',
      '[::1]:',
      'host:',
      'host:-1',
      'host:65536',
      'host:80a',
      'host:1e3',
      '',
      '[::1]:80:90',
    ])
      expect(
        codeOf(() => parseHostPort(bad)),
        bad,
      ).toBe('INVALID_ADDRESS');
  });
});

describe('formatHostPort', () => {
  it('brackets an IPv6 host, and only that', () => {
    expect(formatHostPort('::1', 80)).toBe('[::1]:80');
    expect(formatHostPort('127.0.0.1', 80)).toBe('127.0.0.1:80');
    expect(formatHostPort('registry.local', 5000)).toBe('registry.local:5000');
  });

  it('round-trips through parseHostPort', () => {
    for (const [h, p] of [
      ['::1', 1],
      ['10.0.0.1', 65535],
      ['example.com', 0],
    ] as const)
      expect(parseHostPort(formatHostPort(h, p))).toEqual({ host: h, port: p });
  });
});
