import { Http1Client, type HttpHeaders } from '../../core/http1/index.ts';

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
  /** largest answer body accepted (default 32 MiB); a bigger one fails the request */
  maxBytes?: number;
}

/** Rekor answers are JSON documents of a few KiB; a search or entry batch stays far below this. */
const MAX_ANSWER = 32 * 1024 * 1024;

const GET_HEADERS = { accept: 'application/json' };
const JSON_HEADERS = { accept: 'application/json', 'content-type': 'application/json' };

function headerOf(headers: HttpHeaders): (name: string) => string | undefined {
  return (name) => {
    const v = headers[name.toLowerCase()];
    return Array.isArray(v) ? v.join(', ') : v;
  };
}

/**
 * Keep-alive HTTP/1.1 over the shared client (core/http1). Global `fetch` (undici: web streams, AbortSignal,
 * header objects per request) cost ~1.8 ms CPU per upload and node:http ~0.4 ms; the minimal client ~0.17 ms
 * (docs/design/controller.md). Its failures (socket, TLS, Http1Error) reject; rekor.ts makes them TLOG_HTTP.
 */
export function nodeTransport(baseUrl: string, o: TransportOptions): HttpTransport {
  const u = new URL(baseUrl);
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    return () => Promise.reject(new Error(`unsupported URL scheme ${u.protocol}`));
  const client = new Http1Client({
    timeoutMs: o.timeoutMs,
    maxSockets: o.maxSockets ?? 64,
    ...(o.ca ? { ca: o.ca } : {}),
  });
  const prefix = u.pathname.replace(/\/+$/, ''); // a log served under a path prefix
  const maxBytes = o.maxBytes ?? MAX_ANSWER;
  return (method, path, json) => {
    const headers = json === undefined ? GET_HEADERS : JSON_HEADERS;
    const req = {
      method,
      url: u,
      path: `${prefix}${path}`,
      headers,
      ...(json === undefined ? {} : { body: json }),
      maxBytes,
    };
    return client.request(req).then((r) => ({
      status: r.status,
      statusText: r.statusText,
      header: headerOf(r.headers),
      body: r.body,
    }));
  };
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
