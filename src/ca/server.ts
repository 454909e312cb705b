import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { formatHostPort, parseHostPort } from '../core/address.ts';
import { CaError } from './errors.ts';
import { BodyError, readBody as readRequestBody, requestPath } from '../core/http-server.ts';
import type { IssuersConfig } from '../oidc/index.ts';
import type { CertificateAuthority } from './authority.ts';
import { errorAnswer } from './http-errors.ts';
import { parseV1, parseV2 } from './request.ts';

export interface CaServerOptions {
  addr?: string;
  /** Request body cap (Fulcio: 4 MiB; a request is a token plus a key, a few KiB). */
  maxBodyBytes?: number;
  /** Gets one line per failed request the CA is to blame for (5xx): method, path, status, reason, message. */
  log?: (line: string) => void;
}

export interface RunningCa {
  url: string;
  server: Server;
  close(): Promise<void>;
}

function send(
  res: ServerResponse,
  status: number,
  body: string,
  type = 'application/json',
  extra: Record<string, string> = {},
): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), ...extra });
  res.end(body);
}

/** The body, or a coded error once it passes the cap (the rest is not read; the connection closes). */
function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  return readRequestBody(req, max).catch((e: unknown) => {
    if (e instanceof BodyError && e.code === 'HTTP_BODY_INCOMPLETE')
      throw new CaError('CA_REQUEST_INVALID', 'request body incomplete', { cause: e });
    throw e;
  });
}

/** Fulcio's OIDCIssuer descriptors (https://github.com/sigstore/fulcio/blob/main/fulcio.proto). */
function configuration(c: IssuersConfig): unknown {
  const out = [...c.issuers.values()].map((i) => ({ issuerUrl: i.issuerUrl, ...descriptor(i) }));
  for (const m of c.meta) out.push({ wildcardIssuerUrl: m.pattern, ...descriptor(m.issuer) } as never);
  return { issuers: out };
}

function descriptor(i: IssuersConfig['meta'][number]['issuer']): Record<string, unknown> {
  return {
    audience: i.clientId,
    challengeClaim: i.challengeClaim ?? (i.type === 'email' ? 'email' : 'sub'),
    spiffeTrustDomain: i.spiffeTrustDomain ?? '',
    issuerType: i.type,
    subjectDomain: i.subjectDomain ?? '',
    skipEmailVerification: i.skipEmailVerification ?? false,
  };
}

async function route(
  ca: CertificateAuthority,
  req: IncomingMessage,
  res: ServerResponse,
  max: number,
): Promise<void> {
  const path = requestPath(req.url).replace(/\/+$/, '');
  const m = req.method ?? 'GET';
  const auth = req.headers.authorization;
  if (m === 'POST' && path === '/api/v2/signingCert') {
    const issued = await ca.issue(parseV2(await readBody(req, max), auth));
    const chain = { chain: { certificates: issued.chain } };
    const body = issued.sct
      ? { signedCertificateEmbeddedSct: chain }
      : { signedCertificateDetachedSct: { ...chain, signedCertificateTimestamp: '' } };
    return send(res, 200, JSON.stringify(body));
  }
  if (m === 'POST' && path === '/api/v1/signingCert') {
    // legacy: 201, PEM chain joined by newlines and trimmed (fulcio legacy_server.go)
    const issued = await ca.issue(parseV1(await readBody(req, max), auth));
    return send(res, 201, issued.chain.join('\n').trim(), 'application/pem-certificate-chain');
  }
  if (m === 'GET' && path === '/api/v2/trustBundle')
    return send(
      res,
      200,
      JSON.stringify({ chains: ca.trustBundle().map((certificates) => ({ certificates })) }),
    );
  if (m === 'GET' && path === '/api/v2/configuration')
    return send(res, 200, JSON.stringify(configuration(ca.verifier.config)));
  if (m === 'GET' && path === '/api/v1/rootCert')
    return send(res, 200, ca.trustBundle().flat().join(''), 'application/pem-certificate-chain');
  if (m === 'GET' && path === '/healthz') return send(res, 200, JSON.stringify({ status: 'SERVING' }));
  send(res, 404, JSON.stringify({ code: 5, message: 'Not Found', details: [] }));
}

/** Fulcio's HTTP API (grpc-gateway JSON) over a CertificateAuthority. */
export function createCaHttpServer(ca: CertificateAuthority, o: CaServerOptions = {}): Server {
  const max = o.maxBodyBytes ?? 1024 * 1024;
  return createServer((req, res) => {
    route(ca, req, res, max).catch((e: unknown) => {
      const a = errorAnswer(e);
      // 5xx only: the operator's problem (CT log, keys); messages name no token, key or request body
      if (a.status >= 500 && o.log) {
        const reason = (a.body.details[0] as { reason?: string } | undefined)?.reason ?? 'INTERNAL';
        o.log(`${req.method ?? ''} ${requestPath(req.url)} ${a.status} ${reason}: ${a.body.message}`);
      }
      if (res.headersSent) return void res.end();
      send(
        res,
        a.status,
        JSON.stringify(a.body),
        'application/json',
        a.status === 413 ? { Connection: 'close' } : {},
      );
    });
  });
}

export async function startCaServer(ca: CertificateAuthority, o: CaServerOptions = {}): Promise<RunningCa> {
  const server = createCaHttpServer(ca, o);
  const { host, port } = parseHostPort(o.addr ?? '127.0.0.1:5555');
  await new Promise<void>((resolve, reject) =>
    server.once('error', reject).listen(port, host, () => resolve()),
  );
  const a = server.address() as AddressInfo;
  return {
    url: `http://${formatHostPort(a.address, a.port)}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
