import http from 'node:http';
import https from 'node:https';
import { rootCertificates } from 'node:tls';
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
  headers: http.IncomingHttpHeaders;
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

/** A Transport over node:http/https with keep-alive agents and bounded response bodies. */
export function nodeTransport(tls: TlsOptions = {}): Transport {
  const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const httpsAgent = new https.Agent({
    keepAlive: true,
    maxSockets: 64,
    // extra CAs are added to, not instead of, the system roots
    ...(tls.ca ? { ca: [...rootCertificates, tls.ca] } : {}),
    rejectUnauthorized: !tls.insecure,
  });
  return (req) =>
    new Promise<HttpResponse>((resolve, reject) => {
      const isHttps = req.url.protocol === 'https:';
      const mod = isHttps ? https : http;
      const headers: Record<string, string> = { ...req.headers };
      if (req.body) headers['content-length'] = String(req.body.length);
      const r = mod.request(
        req.url,
        { method: req.method, headers, agent: isHttps ? httpsAgent : httpAgent },
        (res) => readBody(req, res).then(resolve, reject),
      );
      r.setTimeout(30_000, () => r.destroy(new Error('request timed out after 30s')));
      r.on('error', (e) => reject(translateNetworkError(req.url, e)));
      r.end(req.body);
    });
}

function tooLarge(req: HttpRequest, size: number): RegistryError {
  const code = req.tooLarge ?? 'BLOB_TOO_LARGE';
  const what = code === 'MANIFEST_TOO_LARGE' ? 'manifest' : 'blob';
  return new RegistryError(
    code,
    `${what} at ${req.url.pathname} is ${size} bytes, more than the ${req.maxBytes}-byte limit`,
  );
}

function readBody(req: HttpRequest, res: http.IncomingMessage): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const declared = Number(res.headers['content-length'] ?? NaN);
    const ok = (res.statusCode ?? 0) < 300;
    if (ok && req.method !== 'HEAD' && declared > req.maxBytes) {
      res.destroy();
      reject(tooLarge(req, declared));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (c: Buffer) => {
      size += c.length;
      if (size > req.maxBytes) {
        res.destroy();
        reject(tooLarge(req, size));
        return;
      }
      chunks.push(c);
    });
    res.on('error', (e) => reject(translateNetworkError(req.url, e)));
    res.on('end', () =>
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
    );
  });
}
