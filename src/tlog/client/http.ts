import { Http1Origin } from './http1.ts';

/** A whole answer: Rekor v1 bodies are small JSON documents, read completely before they are parsed. */
export interface HttpAnswer {
  status: number;
  statusText: string;
  header(name: string): string | undefined;
  body: Buffer;
}

/** One request to a fixed base URL: method, path (with query), optional JSON text. Rejects only when unreachable. */
export type HttpTransport = (method: string, path: string, json?: string) => Promise<HttpAnswer>;

export interface TransportOptions {
  timeoutMs: number;
  /** extra PEM CA for https (added to the default trust store) */
  ca?: string;
  /** idle keep-alive sockets and concurrent requests per origin */
  maxSockets?: number;
}

/**
 * Keep-alive HTTP/1.1 per origin (http1.ts). Global `fetch` (undici: web streams, AbortSignal, header objects per
 * request) cost ~1.8 ms CPU per upload and node:http ~0.4 ms; the minimal client ~0.17 ms (docs/controller.md).
 */
export function nodeTransport(baseUrl: string, o: TransportOptions): HttpTransport {
  const u = new URL(baseUrl);
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    return () => Promise.reject(new Error(`unsupported URL scheme ${u.protocol}`));
  const origin = new Http1Origin(u, {
    timeoutMs: o.timeoutMs,
    maxSockets: o.maxSockets ?? 64,
    ...(o.ca ? { ca: o.ca } : {}),
  });
  const prefix = u.pathname.replace(/\/+$/, ''); // a log served under a path prefix
  return (method, path, json) => origin.request(method, `${prefix}${path}`, json);
}

/** The same contract over an injected `fetch` (tests simulate lying or broken servers with it). */
export function fetchTransport(baseUrl: string, f: typeof fetch, timeoutMs: number): HttpTransport {
  return async (method, path, json) => {
    const res = await f(`${baseUrl}${path}`, {
      method,
      headers:
        json === undefined
          ? { Accept: 'application/json' }
          : { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: json,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = Buffer.from(await res.arrayBuffer());
    return {
      status: res.status,
      statusText: res.statusText,
      header: (name) => res.headers.get(name) ?? undefined,
      body,
    };
  };
}
