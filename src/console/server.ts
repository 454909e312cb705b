import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { formatHostPort, parseHostPort } from '../core/address.ts';
import { requestUrl } from '../core/http-server.ts';
import { RekorClient } from '../tlog/client/index.ts';
import { loadConsoleAssets } from './assets.ts';
import type { ConsoleAssets } from './assets.ts';
import { ConsoleError } from './errors.ts';
import { send, sendError } from './http.ts';
import type { Route } from './http.ts';
import type { ImageVerifier } from './images.ts';
import { imageRoutes, logRoutes } from './routes-log.ts';
import { runRoutes } from './routes-runs.ts';
import type { RunSource } from './runs.ts';
import { logTrust } from './trust.ts';
import type { LogTrust } from './trust.ts';

export interface ConsoleOptions {
  /** host:port; default 127.0.0.1:8080 (loopback unless told otherwise) */
  addr?: string;
  rekorUrl: string;
  /** pinned log keys (--trusted-root / --rekor-public-key); absent: trust on first use */
  trust?: LogTrust;
  runs?: RunSource;
  images?: ImageVerifier;
  /** prebuilt assets directory (dist); default: built in memory */
  assetsDir?: string;
}

export interface RunningConsole {
  url: string;
  close(): Promise<void>;
}

/** Client-side routes: each is a stable address that answers with the app shell. */
const PAGES = /^\/(log(\/entries\/[0-9a-fA-F]{64,80})?|search|runs(\/[^/]+\/[^/]+)?|images\/.+|diff)?$/;

function routes(o: ConsoleOptions, client: RekorClient, assets: ConsoleAssets): Route[] {
  const described = { runs: o.runs?.description ?? null, images: o.images?.description ?? null };
  return [
    {
      pattern: /^\/assets\/app\.js$/,
      handler: (_q, r) => send(r, 200, 'text/javascript; charset=utf-8', assets.js),
    },
    {
      pattern: /^\/assets\/app\.css$/,
      handler: (_q, r) => send(r, 200, 'text/css; charset=utf-8', assets.css),
    },
    ...logRoutes(client, logTrust(o.trust, client), described),
    ...runRoutes(o.runs),
    ...imageRoutes(o.images),
    { pattern: PAGES, handler: (_q, r) => send(r, 200, 'text/html; charset=utf-8', assets.html) },
  ];
}

async function handle(table: Route[], req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    send(res, 405, 'text/plain; charset=utf-8', 'the console is read-only\n', { allow: 'GET, HEAD' });
    return;
  }
  const url = requestUrl(req.url ?? '/');
  if (!url) return send(res, 400, 'text/plain; charset=utf-8', 'invalid request target\n');
  for (const route of table) {
    const m = route.pattern.exec(url.pathname);
    if (m) return route.handler(req, res, url, m);
  }
  send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
}

/** `chains console`: a read-only web app over the log, the runs and the images (docs/console.md). */
export async function startConsole(o: ConsoleOptions): Promise<RunningConsole> {
  const { host, port } = parseHostPort(o.addr ?? '127.0.0.1:8080');
  const client = new RekorClient(o.rekorUrl, { timeoutMs: 15_000 });
  const table = routes(o, client, await loadConsoleAssets(o.assetsDir));
  const server: Server = createServer((req, res) => {
    handle(table, req, res).catch((e: unknown) => {
      if (!res.headersSent) sendError(res, e);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) =>
      reject(
        new ConsoleError('CONSOLE_ADDR', `cannot listen on ${host}:${port}: ${e.message}`, { cause: e }),
      ),
    );
    server.listen(port, host, resolve);
  });
  const a = server.address() as AddressInfo;
  return {
    url: `http://${formatHostPort(a.address, a.port)}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
