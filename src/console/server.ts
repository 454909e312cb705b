import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RekorClient } from '../tlog/client/index.ts';
import { loadConsoleAssets } from './assets.ts';
import type { ConsoleAssets } from './assets.ts';
import { ConsoleError } from './errors.ts';
import { send, sendError, sendJson } from './http.ts';
import type { Route } from './http.ts';
import type { ImageVerifier } from './images.ts';
import { entryPage, search } from './log-api.ts';
import { filterRuns, runStatement, summarizeRun } from './runs.ts';
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

function splitAddr(addr: string): { host: string; port: number } {
  const i = addr.lastIndexOf(':');
  const port = Number(addr.slice(i + 1));
  if (i < 0 || !Number.isInteger(port) || port < 0 || port > 65535)
    throw new ConsoleError('CONSOLE_ADDR', `invalid --addr "${addr}" (want host:port)`);
  return { host: addr.slice(0, i).replace(/^\[|\]$/g, '') || '127.0.0.1', port };
}

function intParam(url: URL, name: string, max: number): number | undefined {
  const v = url.searchParams.get(name);
  if (v === null || v === '') return undefined;
  if (!/^[0-9]{1,15}$/.test(v))
    throw new ConsoleError('CONSOLE_INPUT', `${name} must be a non-negative integer`);
  return Math.min(Number(v), max);
}

function routes(
  o: ConsoleOptions,
  client: RekorClient,
  trust: () => Promise<LogTrust>,
  assets: ConsoleAssets,
): Route[] {
  const runs = (): RunSource => {
    if (!o.runs)
      throw new ConsoleError('CONSOLE_NOT_FOUND', 'no run source: start with --runs DIR or --kubeconfig F');
    return o.runs;
  };
  return [
    {
      pattern: /^\/assets\/app\.js$/,
      handler: (_q, r) => send(r, 200, 'text/javascript; charset=utf-8', assets.js),
    },
    {
      pattern: /^\/assets\/app\.css$/,
      handler: (_q, r) => send(r, 200, 'text/css; charset=utf-8', assets.css),
    },
    {
      pattern: /^\/api\/config$/,
      handler: async (_q, r) => {
        const t = await trust();
        sendJson(r, 200, {
          rekorUrl: client.baseUrl,
          trust: t,
          runs: o.runs?.description ?? null,
          images: o.images?.description ?? null,
        });
      },
    },
    { pattern: /^\/api\/log$/, handler: async (_q, r) => sendJson(r, 200, await client.logInfo()) },
    {
      pattern: /^\/api\/log\/entries$/,
      handler: async (_q, r, u) =>
        sendJson(
          r,
          200,
          await entryPage(
            client,
            intParam(u, 'end', Number.MAX_SAFE_INTEGER),
            intParam(u, 'limit', 50) ?? 20,
          ),
        ),
    },
    {
      pattern: /^\/api\/log\/entries\/([0-9a-fA-F]{64}|[0-9a-fA-F]{80})$/,
      handler: async (_q, r, _u, m) => sendJson(r, 200, await client.getEntry((m[1] ?? '').toLowerCase())),
    },
    {
      pattern: /^\/api\/search$/,
      handler: async (_q, r, u) => sendJson(r, 200, await search(client, u.searchParams.get('q') ?? '')),
    },
    {
      pattern: /^\/api\/runs$/,
      handler: (_q, r, u) => {
        const all = runs().list().map(summarizeRun);
        const namespaces = [...new Set(all.map((x) => x.namespace))].sort();
        sendJson(r, 200, {
          source: runs().description,
          namespaces,
          runs: filterRuns(
            all,
            u.searchParams.get('namespace') ?? undefined,
            u.searchParams.get('status') ?? undefined,
          ),
        });
      },
    },
    { pattern: /^\/api\/runs\/events$/, handler: (q, r) => runEvents(q, r, runs()) },
    {
      pattern: /^\/api\/runs\/([^/]+)\/([^/]+)$/,
      handler: (_q, r, _u, m) => {
        const [ns, name] = [decodeURIComponent(m[1] ?? ''), decodeURIComponent(m[2] ?? '')];
        const doc = runs()
          .list()
          .find((d) => (d.metadata.namespace ?? 'default') === ns && d.metadata.name === name);
        if (!doc) throw new ConsoleError('CONSOLE_NOT_FOUND', `no run ${ns}/${name}`);
        sendJson(r, 200, { run: summarizeRun(doc), statement: runStatement(doc) ?? null });
      },
    },
    {
      pattern: /^\/api\/images\/(.+)$/,
      handler: async (_q, r, _u, m) => {
        if (!o.images)
          throw new ConsoleError('CONSOLE_NOT_FOUND', 'no registry access: start with --registry or --key');
        sendJson(r, 200, await o.images.verify(decodeURIComponent(m[1] ?? '')));
      },
    },
    { pattern: PAGES, handler: (_q, r) => send(r, 200, 'text/html; charset=utf-8', assets.html) },
  ];
}

/** Server-sent events: one `run` event per changed run, a comment every 15 s so proxies keep the stream. */
function runEvents(req: IncomingMessage, res: ServerResponse, source: RunSource): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'none'",
  });
  res.write(': connected\n\n');
  const stop = source.subscribe((doc) =>
    res.write(`event: run\ndata: ${JSON.stringify(summarizeRun(doc))}\n\n`),
  );
  const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
  req.on('close', () => {
    clearInterval(ping);
    stop();
  });
}

async function handle(table: Route[], req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    send(res, 405, 'text/plain; charset=utf-8', 'the console is read-only\n', { allow: 'GET, HEAD' });
    return;
  }
  const url = new URL(req.url ?? '/', 'http://console.invalid');
  for (const route of table) {
    const m = route.pattern.exec(url.pathname);
    if (m) return route.handler(req, res, url, m);
  }
  send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
}

/** `chains console`: a read-only web app over the log, the runs and the images (docs/console.md). */
export async function startConsole(o: ConsoleOptions): Promise<RunningConsole> {
  const { host, port } = splitAddr(o.addr ?? '127.0.0.1:8080');
  const client = new RekorClient(o.rekorUrl, { timeoutMs: 15_000 });
  const table = routes(o, client, logTrust(o.trust, client), await loadConsoleAssets(o.assetsDir));
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
  const shown = a.family === 'IPv6' ? `[${a.address}]` : a.address;
  return {
    url: `http://${shown}:${a.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
