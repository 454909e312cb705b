import { ChainsError } from './errors.ts';

export class AddressError extends ChainsError<'INVALID_ADDRESS'> {}

export interface HostPort {
  host: string;
  port: number;
}

/**
 * Parse a listen address: `host:port`, `[v6]:port` (brackets as in RFC 3986 §3.2.2), `:port` or a bare `port`
 * (both take `defaultHost`). An IPv6 address needs its brackets, so `::1` alone is refused rather than read as
 * host `:` and port 1.
 */
export function parseHostPort(addr: string, defaultHost = '127.0.0.1'): HostPort {
  const bad = (why: string): AddressError =>
    new AddressError('INVALID_ADDRESS', `invalid address "${addr}" (want host:port): ${why}`);
  let host: string;
  let port: string;
  if (addr.startsWith('[')) {
    const m = /^\[([^\]]*)\]:([^:]*)$/.exec(addr);
    if (!m || m[1] === '') throw bad('expected [IPv6]:port');
    [host, port] = [m[1] as string, m[2] as string];
  } else {
    const i = addr.lastIndexOf(':');
    if (i < 0) [host, port] = ['', addr];
    else if (addr.indexOf(':') !== i) throw bad('an IPv6 address goes in brackets');
    else [host, port] = [addr.slice(0, i), addr.slice(i + 1)];
  }
  if (!/^[0-9]{1,5}$/.test(port) || Number(port) > 65535) throw bad('port must be 0-65535');
  return { host: host === '' ? defaultHost : host, port: Number(port) };
}

/** `host:port` for a URL's authority: an IPv6 host in brackets. */
export function formatHostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}
