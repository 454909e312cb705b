import { Watch, type KubeConfig } from '@kubernetes/client-node';
import { describeError } from '../../core/errors.ts';
import type { Logger } from '../log.ts';
import { silentLogger } from '../log.ts';

/** The fields every Kubernetes object has that the informer reads. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
}

export interface KubeList<T> {
  metadata?: { resourceVersion?: string };
  items: T[];
}

/**
 * Why an object is delivered: `initial` (the first list, before the cache was synced), `live` (a watch event, or
 * a change found by a later relist) or `resync` (the periodic re-delivery of the cache).
 */
export type DeliveryOrigin = 'initial' | 'live' | 'resync';

export interface InformerHandlers<T> {
  onAdd?(obj: T, origin: DeliveryOrigin): void;
  onUpdate?(obj: T, old: T, origin: DeliveryOrigin): void;
  onDelete?(obj: T): void;
}

export interface InformerOptions<T> extends InformerHandlers<T> {
  kc: KubeConfig;
  /** API path of the collection, e.g. `/apis/tekton.dev/v1/namespaces/ns/taskruns` */
  path: string;
  list(): Promise<KubeList<T>>;
  fieldSelector?: string;
  /** re-deliver every cached object as an update this often (0 = never) */
  resyncMs?: number;
  /** applied to every object before it is cached (client-go SetTransform), e.g. drop managedFields */
  transform?(obj: T): T;
  /** server-side watch timeout, seconds (the watch is then resumed from the last resourceVersion) */
  watchTimeoutSeconds?: number;
  log?: Logger;
}

const keyOf = (o: KubeObject): string => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

/**
 * List + watch with resourceVersion, as client-go's reflector: bookmarks advance the version, a dropped watch
 * resumes from the last version, `410 Gone` (HTTP or an ERROR event) relists, other errors back off and retry.
 */
export class Informer<T extends KubeObject> {
  private readonly store = new Map<string, T>();
  private rv = '';
  private stopped = false;
  private abort?: AbortController;
  private resync?: NodeJS.Timeout;
  private retryDelay = 500;
  private readonly watcher: Watch;
  private readonly log: Logger;
  private syncedResolve!: () => void;
  readonly synced = new Promise<void>((r) => (this.syncedResolve = r));
  relists = 0;

  constructor(private readonly o: InformerOptions<T>) {
    this.watcher = new Watch(o.kc);
    this.log = o.log ?? silentLogger;
  }

  get(namespace: string, name: string): T | undefined {
    return this.store.get(`${namespace}/${name}`);
  }

  list(): T[] {
    return [...this.store.values()];
  }

  get path(): string {
    return this.o.path;
  }

  get resourceVersion(): string {
    return this.rv;
  }

  async start(): Promise<void> {
    this.stopped = false;
    if (this.o.resyncMs) {
      this.resync = setInterval(() => {
        for (const obj of this.store.values()) this.o.onUpdate?.(obj, obj, 'resync');
      }, this.o.resyncMs);
      this.resync.unref();
    }
    void this.run();
    await this.synced;
  }

  stop(): void {
    this.stopped = true;
    if (this.resync) clearInterval(this.resync);
    this.abort?.abort();
  }

  private async run(): Promise<void> {
    if (this.stopped) return;
    try {
      if (!this.rv) await this.relist();
      await this.watch();
    } catch (e) {
      this.log('warn', 'list/watch failed, retrying', {
        path: this.o.path,
        error: describeError(e),
        inMs: this.retryDelay,
      });
      if ((e as { code?: number; statusCode?: number }).statusCode === 410) this.rv = '';
      setTimeout(() => void this.run(), this.retryDelay).unref();
      this.retryDelay = Math.min(this.retryDelay * 2, 30_000);
    }
  }

  /** Replace the cache with a fresh list; deliver adds, updates and deletes for the difference. */
  private async relist(): Promise<void> {
    const list = await this.o.list();
    const origin: DeliveryOrigin = this.relists === 0 ? 'initial' : 'live';
    this.relists++;
    const seen = new Set<string>();
    for (const item of list.items) {
      const k = keyOf(item);
      seen.add(k);
      this.upsert(k, item, origin);
    }
    for (const [k, old] of this.store) {
      if (seen.has(k)) continue;
      this.store.delete(k);
      this.o.onDelete?.(old);
    }
    this.rv = list.metadata?.resourceVersion ?? '';
    this.syncedResolve();
  }

  private upsert(k: string, raw: T, origin: DeliveryOrigin): void {
    const obj = this.o.transform ? this.o.transform(raw) : raw;
    const old = this.store.get(k);
    this.store.set(k, obj);
    if (!old) this.o.onAdd?.(obj, origin);
    else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion)
      this.o.onUpdate?.(obj, old, origin);
  }

  private watch(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const query: Record<string, string | number | boolean> = {
        resourceVersion: this.rv,
        allowWatchBookmarks: true,
      };
      if (this.o.fieldSelector) query.fieldSelector = this.o.fieldSelector;
      if (this.o.watchTimeoutSeconds) query.timeoutSeconds = this.o.watchTimeoutSeconds;
      const onEvent = (type: string, obj: T & { code?: number }) => this.event(type, obj);
      const done = (err: unknown) => {
        if (err && !this.stopped && (err as { name?: string }).name !== 'AbortError') return reject(err);
        if (!this.stopped) setTimeout(() => void this.run(), 0); // closed by the server: resume from rv
        resolve();
      };
      this.watcher.watch(this.o.path, query, onEvent, done).then((ctl) => {
        this.abort = ctl;
        if (this.stopped) ctl.abort();
      }, reject);
    });
  }

  private event(type: string, obj: T & { code?: number }): void {
    switch (type) {
      case 'ADDED':
      case 'MODIFIED':
        this.upsert(keyOf(obj), obj, 'live');
        break;
      case 'DELETED':
        this.store.delete(keyOf(obj));
        this.o.onDelete?.(obj);
        break;
      case 'BOOKMARK':
        break;
      case 'ERROR':
        // 410 Expired: our resourceVersion is too old; relist on reconnect
        if (obj.code === 410) this.rv = '';
        this.log('info', 'watch error event', { path: this.o.path, code: obj.code });
        return;
    }
    this.retryDelay = 500;
    const rv = obj.metadata?.resourceVersion;
    if (rv) this.rv = rv;
  }
}
