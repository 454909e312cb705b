import type { IncomingMessage, ServerResponse } from 'node:http';
import { ConsoleError } from './errors.ts';
import { pathSegment, sendJson } from './http.ts';
import type { Route } from './http.ts';
import { filterRuns, runStatement, summarizeRun } from './runs.ts';
import type { RunSource } from './runs.ts';

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

/** /api/runs (filtered list), /api/runs/events (SSE), /api/runs/<ns>/<name> (one run and its statement). */
export function runRoutes(source: RunSource | undefined): Route[] {
  const runs = (): RunSource => {
    if (!source)
      throw new ConsoleError('CONSOLE_NOT_FOUND', 'no run source: start with --runs DIR or --kubeconfig F');
    return source;
  };
  return [
    {
      pattern: /^\/api\/runs$/,
      handler: (_q, r, u) => {
        const all = runs().list().map(summarizeRun);
        const namespace = u.searchParams.get('namespace') ?? undefined;
        const status = u.searchParams.get('status') ?? undefined;
        sendJson(r, 200, {
          source: runs().description,
          namespaces: [...new Set(all.map((x) => x.namespace))].sort(),
          runs: filterRuns(all, namespace, status),
        });
      },
    },
    { pattern: /^\/api\/runs\/events$/, handler: (q, r) => runEvents(q, r, runs()) },
    {
      pattern: /^\/api\/runs\/([^/]+)\/([^/]+)$/,
      handler: (_q, r, _u, m) => {
        const [ns, name] = [pathSegment(m[1]), pathSegment(m[2])];
        const doc = runs()
          .list()
          .find((d) => (d.metadata.namespace ?? 'default') === ns && d.metadata.name === name);
        if (!doc) throw new ConsoleError('CONSOLE_NOT_FOUND', `no run ${ns}/${name}`);
        sendJson(r, 200, { run: summarizeRun(doc), statement: runStatement(doc) ?? null });
      },
    },
  ];
}
