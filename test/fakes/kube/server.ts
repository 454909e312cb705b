import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { jsonPatch, mergePatch, PatchError, type Obj } from './patch.ts';
import { discovery, table, wantsTable } from './discovery.ts';
import { apiVersionOf, parsePath, type ParsedPath } from './resources.ts';
import { ApiError, metaOf, ObjectStore, type StoredEvent } from './store.ts';
import { matchesSelectors, type Selectors } from './selectors.ts';

/** One forced failure: the next `times` requests matching method/path get `status` (a Status body). */
export interface InjectedFault {
  method?: string;
  path?: string | RegExp;
  status: number;
  times?: number;
  reason?: string;
  message?: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType?: string;
  body?: unknown;
}

export interface FakeKubeOptions {
  /** bearer token required on every request (default `test-token`; `null` disables the check) */
  token?: string | null;
  /** interval of BOOKMARK events on watches that allow them (ms, default 1000) */
  bookmarkIntervalMs?: number;
  /** serve HTTPS with this PEM certificate and key (as a real API server does; in-cluster config needs it) */
  tls?: { cert: string; key: string };
}

const status = (code: number, reason: string, message: string, details?: object): Obj => ({
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message,
  reason,
  ...(details ? { details } : {}),
  code,
});

interface OpenWatch {
  res: ServerResponse;
  close(): void;
  bookmark(): void;
}

/** In-process fake kube-apiserver speaking the real REST/watch wire format (see test/fakes/kube-apiserver.ts). */
export class FakeKubeApiServer {
  readonly store = new ObjectStore();
  readonly requests: RecordedRequest[] = [];
  private readonly faults: InjectedFault[] = [];
  private readonly watches = new Set<OpenWatch>();
  private delayMs = 0;
  private server?: Server;
  url = '';

  constructor(private readonly opts: FakeKubeOptions = {}) {}

  async start(): Promise<this> {
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.handle(req, res);
    const tls = this.opts.tls;
    this.server = tls ? createTlsServer({ cert: tls.cert, key: tls.key }, handler) : createServer(handler);
    await new Promise<void>((ok) => this.server?.listen(0, '127.0.0.1', ok));
    const port = (this.server.address() as AddressInfo).port;
    this.url = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
    return this;
  }

  async close(): Promise<void> {
    this.dropWatches();
    this.server?.closeAllConnections();
    await new Promise<void>((ok) => (this.server ? this.server.close(() => ok()) : ok()));
  }

  /** Force failures on the next matching requests (e.g. 409 on PATCH of taskruns, 500 on list). */
  inject(f: InjectedFault): void {
    this.faults.push({ times: 1, ...f });
  }

  /** Delay every response by `ms`. */
  setDelay(ms: number): void {
    this.delayMs = ms;
  }

  /** Close every open watch stream (clients must reconnect with their last resourceVersion). */
  dropWatches(): void {
    for (const w of [...this.watches]) w.close();
  }

  /** Send a BOOKMARK now on every watch that allows bookmarks. */
  bookmarkNow(): void {
    for (const w of this.watches) w.bookmark();
  }

  get openWatches(): number {
    return this.watches.size;
  }

  private takeFault(method: string, path: string): InjectedFault | undefined {
    const i = this.faults.findIndex(
      (f) =>
        (!f.method || f.method === method) &&
        (!f.path || (typeof f.path === 'string' ? path.includes(f.path) : f.path.test(path))),
    );
    const f = this.faults[i];
    if (!f) return undefined;
    f.times = (f.times ?? 1) - 1;
    if (f.times <= 0) this.faults.splice(i, 1);
    return f;
  }

  private send(res: ServerResponse, code: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const u = new URL(req.url ?? '/', 'http://x');
    const query = Object.fromEntries(u.searchParams.entries());
    const method = req.method ?? 'GET';
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      return this.send(res, 400, status(400, 'BadRequest', 'request body is not valid JSON'));
    }
    const contentType = req.headers['content-type']?.split(';')[0];
    this.requests.push({ method, path: u.pathname, query, contentType, body });
    if (this.delayMs) await new Promise((ok) => setTimeout(ok, this.delayMs));
    const token = this.opts.token === undefined ? 'test-token' : this.opts.token;
    if (token !== null && req.headers.authorization !== `Bearer ${token}`)
      return this.send(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
    const fault = this.takeFault(method, u.pathname);
    if (fault)
      return this.send(
        res,
        fault.status,
        status(fault.status, fault.reason ?? 'InternalError', fault.message ?? 'injected fault'),
      );
    if (u.pathname === '/healthz' || u.pathname === '/readyz') return void res.end('ok');
    const doc = method === 'GET' ? discovery(u.pathname, this.url.replace(/^https?:\/\//, '')) : undefined;
    if (doc) return this.send(res, 200, doc);
    const p = parsePath(u.pathname);
    if (!p)
      return this.send(res, 404, status(404, 'NotFound', 'the server could not find the requested resource'));
    try {
      await this.route(method, p, query, body, contentType, req, res);
    } catch (e) {
      if (e instanceof ApiError)
        return this.send(res, e.code, status(e.code, e.reason, e.message, e.details));
      if (e instanceof PatchError) return this.send(res, e.code, status(e.code, 'Invalid', e.message));
      this.send(res, 500, status(500, 'InternalError', (e as Error).message));
    }
  }

  private async route(
    method: string,
    p: ParsedPath,
    query: Record<string, string>,
    body: unknown,
    contentType: string | undefined,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const plural = p.resource.plural;
    const ns = p.resource.namespaced ? p.namespace : undefined;
    if (!p.name) {
      if (method === 'GET' && (query.watch === 'true' || query.watch === '1'))
        return this.watch(p, query, req, res);
      if (method === 'GET' && wantsTable(req.headers.accept)) {
        const list = this.listBody(p, query);
        const rv = String(this.store.resourceVersion);
        return this.send(res, 200, table(p.resource, list.items as Obj[], rv));
      }
      if (method === 'GET') return this.send(res, 200, this.listBody(p, query));
      if (method === 'POST') return this.send(res, 201, this.store.create(plural, ns, body as Obj));
    } else {
      if (method === 'GET') {
        const o = this.store.mustGet(plural, ns, p.name);
        if (!wantsTable(req.headers.accept)) return this.send(res, 200, o);
        return this.send(res, 200, table(p.resource, [o], String(metaOf(o).resourceVersion)));
      }
      if (method === 'PUT') return this.send(res, 200, this.store.update(plural, ns, p.name, body as Obj));
      if (method === 'PATCH') return this.send(res, 200, this.patch(p, body, contentType));
      if (method === 'DELETE') {
        const gone = this.store.delete(plural, ns, p.name);
        // finalizers pending: the object, now with deletionTimestamp, is the answer (as the API server does)
        if (gone.pending) return this.send(res, 200, gone.object);
        const meta = metaOf(gone.object);
        return this.send(res, 200, {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Success',
          details: { name: p.name, kind: plural, uid: meta.uid },
        });
      }
    }
    this.send(res, 405, status(405, 'MethodNotAllowed', `method ${method} not allowed`));
  }

  private patch(p: ParsedPath, body: unknown, contentType: string | undefined): Obj {
    const plural = p.resource.plural;
    const ns = p.resource.namespaced ? p.namespace : undefined;
    const name = p.name ?? '';
    const cur = this.store.mustGet(plural, ns, name);
    let next: unknown;
    switch (contentType) {
      case 'application/merge-patch+json':
      case 'application/strategic-merge-patch+json':
        next = mergePatch(cur, body);
        break;
      case 'application/json-patch+json':
        next = jsonPatch(cur, body);
        break;
      default:
        throw new ApiError(
          415,
          'UnsupportedMediaType',
          `the body of the request was in an unknown format: ${contentType}`,
        );
    }
    // a resourceVersion in the patched result that differs from the stored one is an optimistic-lock conflict
    return this.store.update(plural, ns, name, next as Obj);
  }

  private listBody(p: ParsedPath, query: Record<string, string>): Obj {
    const sel: Selectors = { label: query.labelSelector, field: query.fieldSelector };
    const items = this.store
      .list(p.resource.plural, p.resource.namespaced ? p.namespace : undefined)
      .filter((o) => matchesSelectors(o, sel))
      .map((o) => (p.resource.group ? o : { ...o, kind: undefined, apiVersion: undefined }));
    return {
      kind: `${p.resource.kind}List`,
      apiVersion: apiVersionOf(p.resource),
      metadata: { resourceVersion: String(this.store.resourceVersion) },
      items: items.map((o) => JSON.parse(JSON.stringify(o)) as Obj),
    };
  }

  private watch(
    p: ParsedPath,
    query: Record<string, string>,
    req: IncomingMessage,
    res: ServerResponse,
  ): void {
    const sel: Selectors = { label: query.labelSelector, field: query.fieldSelector };
    const ns = p.resource.namespaced ? p.namespace : undefined;
    const bookmarks = query.allowWatchBookmarks === 'true';
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    const asTable = wantsTable(req.headers.accept);
    const write = (type: string, object: Obj): void => {
      const shown =
        asTable && type !== 'ERROR' && type !== 'BOOKMARK'
          ? table(p.resource, [object], String(metaOf(object).resourceVersion))
          : object;
      res.write(`${JSON.stringify({ type, object: shown })}\n`);
    };
    const rvText = query.resourceVersion ?? '';
    const from = rvText === '' || rvText === '0' ? undefined : Number(rvText);
    if (from !== undefined && (!Number.isFinite(from) || this.store.isCompacted(from))) {
      write(
        'ERROR',
        status(410, 'Expired', `too old resource version: ${rvText} (${this.store.resourceVersion})`),
      );
      return void res.end();
    }
    const matches = (ev: StoredEvent): boolean =>
      ev.plural === p.resource.plural &&
      (ns === undefined || metaOf(ev.object).namespace === ns) &&
      matchesSelectors(ev.object, sel);
    if (from === undefined)
      for (const o of this.listBody(p, query).items as Obj[])
        write('ADDED', { ...o, apiVersion: apiVersionOf(p.resource), kind: p.resource.kind });
    else for (const ev of this.store.history) if (ev.rv > from && matches(ev)) write(ev.type, ev.object);
    const unsubscribe = this.store.subscribe((ev) => matches(ev) && write(ev.type, ev.object));
    const bookmark = (): void => {
      if (bookmarks)
        write('BOOKMARK', {
          kind: p.resource.kind,
          apiVersion: apiVersionOf(p.resource),
          metadata: { resourceVersion: String(this.store.resourceVersion) },
        });
    };
    const timer = setInterval(bookmark, this.opts.bookmarkIntervalMs ?? 1000);
    const timeout = query.timeoutSeconds
      ? setTimeout(() => w.close(), Number(query.timeoutSeconds) * 1000)
      : undefined;
    const w: OpenWatch = {
      res,
      bookmark,
      close: () => {
        clearInterval(timer);
        if (timeout) clearTimeout(timeout);
        unsubscribe();
        this.watches.delete(w);
        res.end();
      },
    };
    this.watches.add(w);
    req.on('close', () => w.close());
  }
}
