import type { RekorClient } from '../tlog/client/index.ts';
import { ConsoleError } from './errors.ts';
import { pathSegment, sendJson } from './http.ts';
import type { Route } from './http.ts';
import type { ImageVerifier } from './images.ts';
import { entryPage, search } from './log-api.ts';
import type { LogTrust } from './trust.ts';

function intParam(url: URL, name: string, max: number): number | undefined {
  const v = url.searchParams.get(name);
  if (v === null || v === '') return undefined;
  if (!/^[0-9]{1,15}$/.test(v))
    throw new ConsoleError('CONSOLE_INPUT', `${name} must be a non-negative integer`);
  return Math.min(Number(v), max);
}

/** /api/config, /api/log…, /api/search: the log through the project's Rekor client, answers unchanged. */
export function logRoutes(
  client: RekorClient,
  trust: () => Promise<LogTrust>,
  described: { runs: string | null; images: string | null },
): Route[] {
  return [
    {
      pattern: /^\/api\/config$/,
      handler: async (_q, r) =>
        sendJson(r, 200, { rekorUrl: client.baseUrl, trust: await trust(), ...described }),
    },
    { pattern: /^\/api\/log$/, handler: async (_q, r) => sendJson(r, 200, await client.logInfo()) },
    {
      pattern: /^\/api\/log\/entries$/,
      handler: async (_q, r, u) => {
        const end = intParam(u, 'end', Number.MAX_SAFE_INTEGER);
        sendJson(r, 200, await entryPage(client, end, intParam(u, 'limit', 50) ?? 20));
      },
    },
    {
      pattern: /^\/api\/log\/entries\/([0-9a-fA-F]{64}|[0-9a-fA-F]{80})$/,
      handler: async (_q, r, _u, m) => sendJson(r, 200, await client.getEntry((m[1] ?? '').toLowerCase())),
    },
    {
      pattern: /^\/api\/search$/,
      handler: async (_q, r, u) => sendJson(r, 200, await search(client, u.searchParams.get('q') ?? '')),
    },
  ];
}

/** /api/images/<reference>: the server-side verdicts of the verify library. */
export function imageRoutes(images: ImageVerifier | undefined): Route[] {
  return [
    {
      pattern: /^\/api\/images\/(.+)$/,
      handler: async (_q, r, _u, m) => {
        if (!images)
          throw new ConsoleError('CONSOLE_NOT_FOUND', 'no registry access: start with --registry or --key');
        sendJson(r, 200, await images.verify(pathSegment(m[1])));
      },
    },
  ];
}
