import { Http1Client, Http1Error, TooLarge, type HttpHeaders } from '../core/http1/index.ts';
import { RegistryError } from './errors.ts';

export interface HttpRequest {
  method: string;
  url: URL;
  headers?: Record<string, string>;
  body?: Buffer;
  /** largest response body accepted; bigger responses fail with `tooLarge` */
  maxBytes: number;
  tooLarge?: 'MANIFEST_TOO_LARGE' | 'BLOB_TOO_LARGE';
}

export interface HttpResponse {
  status: number;
  headers: HttpHeaders;
  body: Buffer;
}

export interface TlsOptions {
  /** extra trusted CA certificates (PEM) */
  ca?: string | Buffer;
  /** skip certificate verification (cosign --allow-insecure-registry) */
  insecure?: boolean;
}

/** Low-level HTTP round trip; the client is built on this seam so tests can see real wire traffic. */
export type Transport = (req: HttpRequest) => Promise<HttpResponse>;

const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO|ERR_TLS|HOSTNAME|ALTNAME/;

/** Translate a socket/TLS error into a coded RegistryError naming the host. */
export function translateNetworkError(url: URL, e: unknown): RegistryError {
  const err = e as NodeJS.ErrnoException;
  const code = err.code ?? '';
  if (TLS_CODES.test(code)) {
    return new RegistryError(
      'TLS_ERROR',
      `TLS error talking to ${url.host}: ${err.message} (use --ca-cert or --allow-insecure-registry)`,
      { cause: e },
    );
  }
  return new RegistryError('REGISTRY_UNREACHABLE', `cannot reach registry ${url.host}: ${err.message}`, {
    cause: e,
  });
}

/** A Transport over the shared keep-alive HTTP/1.1 client (core/http1) with bounded response bodies. */
export function nodeTransport(tls: TlsOptions = {}): Transport {
  const wire = new Http1Client({
    // extra CAs are added to, not instead of, the system roots
    ...(tls.ca ? { ca: tls.ca } : {}),
    insecure: tls.insecure === true,
    maxSockets: 64,
    timeoutMs: 30_000,
  });
  return async (req) => {
    try {
      const res = await wire.request({
        method: req.method,
        url: req.url,
        headers: req.headers ?? {},
        ...(req.body ? { body: req.body } : {}),
        maxBytes: req.maxBytes,
      });
      return { status: res.status, headers: res.headers, body: res.body };
    } catch (e) {
      if (e instanceof TooLarge) throw tooLarge(req, e.size);
      if (e instanceof Http1Error && e.kind === 'bad-request')
        throw new RegistryError('REGISTRY_ERROR', `${e.message} in a request to ${req.url.host}`, {
          cause: e,
        });
      throw e instanceof RegistryError ? e : translateNetworkError(req.url, e);
    }
  };
}

function tooLarge(req: HttpRequest, size: number): RegistryError {
  const code = req.tooLarge ?? 'BLOB_TOO_LARGE';
  const what = code === 'MANIFEST_TOO_LARGE' ? 'manifest' : 'blob';
  return new RegistryError(
    code,
    `${what} at ${req.url.pathname} is ${size} bytes, more than the ${req.maxBytes}-byte limit`,
  );
}

/** `host[:port]` as a URL's `host` spells it (default ports dropped), for comparing with request URLs. */
function urlHost(registry: string, scheme: 'https' | 'http'): string {
  try {
    return new URL(`${scheme}://${registry}`).host;
  } catch {
    return registry;
  }
}

/**
 * The registry transport: TLS verified (against the system roots plus `ca`) except for `insecureHosts`, which get
 * a second, unverified connection pool; everything is unverified with `insecure` (--allow-insecure-registry).
 */
export function routedTransport(tls: TlsOptions & { insecureHosts?: readonly string[] }): Transport {
  const base = tls.ca ? { ca: tls.ca } : {};
  const strict = nodeTransport({ ...base, insecure: tls.insecure === true });
  const hosts = new Set(
    (tls.insecureHosts ?? []).flatMap((h) => [h, urlHost(h, 'https'), urlHost(h, 'http')]),
  );
  if (tls.insecure === true || hosts.size === 0) return strict;
  let loose: Transport | undefined;
  return (req) =>
    (hosts.has(req.url.host) ? (loose ??= nodeTransport({ ...base, insecure: true })) : strict)(req);
}
