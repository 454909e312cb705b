import type { IncomingMessage, ServerResponse } from 'node:http';
import { requestUrl } from '../../core/http-server.ts';
import { isValidRepositoryPath } from '../reference.ts';
import { BlobHandlers } from './blobs.ts';
import type { RegistryData } from './data.ts';
import { SpecError, sendError } from './errors.ts';
import { deleteManifest, getManifest, getReferrers, putManifest, type Limits } from './manifests.ts';

// Greedy name: the last `/manifests/`, `/blobs/`, ... wins, so repository components may be called "blobs".
const ROUTE = /^\/v2\/(.+)\/(manifests|blobs\/uploads|blobs|tags|referrers)\/([^/]*)$/;

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** The embedded registry's request handler (OCI distribution-spec v1.1 endpoints). */
export function registryHandler(data: RegistryData, limits: Limits): Handler {
  const blobs = new BlobHandlers(data, limits);
  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = requestUrl(req.url ?? '/');
    if (!url) throw new SpecError(400, 'UNSUPPORTED', 'invalid request target');
    const method = req.method ?? 'GET';
    res.setHeader('docker-distribution-api-version', 'registry/2.0');
    if (url.pathname === '/v2/' || url.pathname === '/v2') {
      // The API version check is GET/HEAD only, as distribution answers it.
      if (method !== 'GET' && method !== 'HEAD')
        throw new SpecError(405, 'UNSUPPORTED', `${method} /v2/ not allowed`);
      return json(res, {});
    }
    if (url.pathname === '/v2/_catalog' && method === 'GET')
      return json(res, { repositories: await data.catalog() });
    const m = ROUTE.exec(url.pathname);
    if (!m) throw new SpecError(404, 'UNSUPPORTED', `no route for ${method} ${url.pathname}`);
    const [, repo = '', kind, ref = ''] = m;
    // Names are validated component by component: no `..`, no empty or absolute segments reach storage.
    if (!isValidRepositoryPath(repo))
      throw new SpecError(400, 'NAME_INVALID', `invalid repository name "${repo}"`);
    return dispatch(blobs, { data, limits, method, kind: kind ?? '', repo, ref, url, req, res });
  }
  return async (req, res) => {
    try {
      await route(req, res);
    } catch (e) {
      if (res.headersSent) return void res.destroy();
      if (e instanceof SpecError) return sendError(res, e);
      sendError(res, new SpecError(500, 'UNSUPPORTED', 'internal error'));
    }
  };
}

interface Ctx {
  data: RegistryData;
  limits: Limits;
  method: string;
  kind: string;
  repo: string;
  ref: string;
  url: URL;
  req: IncomingMessage;
  res: ServerResponse;
}

/** Method x endpoint table of the distribution spec. */
async function dispatch(blobs: BlobHandlers, c: Ctx): Promise<void> {
  const { data, limits, method, kind, repo, ref, url, req, res } = c;
  const head = method === 'HEAD';
  switch (`${method === 'HEAD' ? 'GET' : method} ${kind}`) {
    case 'GET manifests':
      return getManifest(data, repo, ref, head, res);
    case 'PUT manifests':
      return putManifest(data, repo, ref, req, res, limits);
    case 'DELETE manifests':
      return deleteManifest(data, repo, ref, res);
    case 'GET blobs':
      return blobs.get(repo, ref, head, res);
    case 'DELETE blobs':
      return blobs.delete(repo, ref, res);
    case 'POST blobs/uploads':
      if (ref !== '') break;
      return blobs.start(repo, url, req, res);
    case 'PATCH blobs/uploads':
      return blobs.patch(repo, ref, req, res);
    case 'PUT blobs/uploads':
      return blobs.put(repo, ref, url, req, res);
    case 'GET blobs/uploads':
      return blobs.status(repo, ref, res);
    case 'DELETE blobs/uploads':
      return blobs.cancel(repo, ref, res);
    case 'GET tags':
      if (ref !== 'list') break;
      return tagsList(data, repo, url, res);
    case 'GET referrers':
      return getReferrers(data, repo, ref, url, res);
  }
  throw new SpecError(405, 'UNSUPPORTED', `${method} not supported on ${kind}`);
}

function json(res: ServerResponse, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

async function tagsList(data: RegistryData, repo: string, url: URL, res: ServerResponse): Promise<void> {
  if (!(await data.repositoryExists(repo)))
    throw new SpecError(404, 'NAME_UNKNOWN', `repository ${repo} unknown`);
  let tags = await data.listTags(repo);
  const last = url.searchParams.get('last');
  if (last) tags = tags.filter((t) => t > last);
  const n = Number(url.searchParams.get('n') ?? NaN);
  if (Number.isInteger(n) && n >= 0) tags = tags.slice(0, n);
  json(res, { name: repo, tags });
}
