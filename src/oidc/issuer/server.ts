import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { formatHostPort, parseHostPort } from '../../core/address.ts';
import { requestPath } from '../../core/http-server.ts';
import { loadOrCreateKeys, publicJwks, recordIssuerUrl } from './store.ts';

export interface IssuerServerOptions {
  dir: string;
  /** host:port, port 0 for any. */
  addr?: string;
  /** Public issuer URL when it differs from http://<addr>. */
  issuerUrl?: string;
  /** Serve HTTPS with this key and certificate (PEM). */
  tls?: { key: string; cert: string };
}

export interface RunningIssuer {
  /** The issuer URL (`iss`). */
  url: string;
  /** Where it listens (equals url unless --issuer-url names another). */
  listenUrl: string;
  /** JWKS requests answered (lets tests see the verifier's cache at work). */
  readonly jwksRequests: number;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

async function route(
  dir: string,
  url: string,
  req: IncomingMessage,
  res: ServerResponse,
  count: () => void,
): Promise<void> {
  const path = requestPath(req.url);
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, { error: 'method not allowed' });
  if (path === '/.well-known/openid-configuration')
    return send(res, 200, {
      issuer: url,
      jwks_uri: `${url}/jwks`,
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      claims_supported: [
        'iss',
        'sub',
        'aud',
        'exp',
        'iat',
        'nbf',
        'email',
        'email_verified',
        'kubernetes.io',
      ],
    });
  // keys are read on every request: `chains oidc rotate` on a running issuer publishes at once
  if (path === '/jwks') {
    count();
    return send(res, 200, await publicJwks(await loadOrCreateKeys(dir)));
  }
  send(res, 404, { error: 'not found' });
}

/**
 * The embedded OIDC issuer: discovery and JWKS only (tokens are minted offline by `chains oidc token`).
 * For development, demos and tests on one machine; not an identity provider.
 */
export async function startIssuerServer(o: IssuerServerOptions): Promise<RunningIssuer> {
  await loadOrCreateKeys(o.dir);
  const { host, port } = parseHostPort(o.addr ?? '127.0.0.1:0');
  let url = o.issuerUrl ?? '';
  let jwks = 0;
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    route(o.dir, url, req, res, () => jwks++).catch(() => {
      if (!res.headersSent) send(res, 500, { error: 'internal error' });
    });
  };
  const server = o.tls ? createHttpsServer(o.tls, handler) : createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject).listen(port, host, () => resolve());
  });
  const a = server.address() as AddressInfo;
  const listenUrl = `${o.tls ? 'https' : 'http'}://${formatHostPort(a.address, a.port)}`;
  url ||= listenUrl;
  recordIssuerUrl(o.dir, url);
  return {
    url,
    listenUrl,
    get jwksRequests() {
      return jwks;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
