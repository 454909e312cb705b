import { X509Certificate } from 'node:crypto';
import { request as httpsRequest } from 'node:https';
import { decodePemAll } from '../core/encoding.ts';
import { OidcError } from './errors.ts';
import type { IssuerConfig } from './types.ts';

/** What discovery and jose's JWKS loader call: fetch's shape, GET only. */
export type Fetcher = (
  url: string,
  init: { signal?: AbortSignal; headers?: Headers | Record<string, string> },
) => Promise<Response>;

/** The PEM certificates of a `ca-cert` value; none parsable is a configuration error (Fulcio validateConfig). */
export function parseCaCert(pem: string, issuer: string): string[] {
  const certs = decodePemAll(pem)
    .filter((b) => b.type === 'CERTIFICATE')
    .map((b) => {
      try {
        return new X509Certificate(b.bytes).toString();
      } catch {
        return '';
      }
    })
    .filter(Boolean);
  if (certs.length === 0)
    throw new OidcError('OIDC_CONFIG', `failed to parse CA certificate for issuer ${issuer}`);
  return certs;
}

/** GET over node:https with the issuer's own TLS roots. */
function httpsFetcher(ca: string[]): Fetcher {
  return (url, init) =>
    new Promise((resolve, reject) => {
      const u = new URL(url);
      const headers: Record<string, string> = Object.fromEntries(new Headers(init.headers).entries());
      const req = httpsRequest(u, { method: 'GET', headers, ca, signal: init.signal }, (res) => {
        const chunks: Buffer[] = [];
        let n = 0;
        res.on('data', (c: Buffer) => {
          n += c.length;
          if (n > 1 << 20) req.destroy(new Error('answer larger than 1 MiB'));
          else chunks.push(c);
        });
        res.on('end', () => resolve(new Response(Buffer.concat(chunks), { status: res.statusCode ?? 500 })));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
}

/** The fetch an issuer's discovery and JWKS go through: the global one, unless the issuer has its own `ca-cert`. */
export function fetcherFor(cfg: IssuerConfig): Fetcher | undefined {
  return cfg.caCert ? httpsFetcher(parseCaCert(cfg.caCert, cfg.issuerUrl)) : undefined;
}
