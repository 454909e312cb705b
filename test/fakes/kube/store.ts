import { randomUUID } from 'node:crypto';
import { apiVersionOf, resourceByPlural, type ResourceType } from './resources.ts';
import type { Obj } from './patch.ts';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoredEvent {
  rv: number;
  type: EventType;
  plural: string;
  object: Obj;
}

/** A Kubernetes API error, rendered as a `Status` object with this HTTP code. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: { name?: string; kind?: string; group?: string },
  ) {
    super(message);
  }
}

export type Listener = (ev: StoredEvent) => void;

const now = (): string => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

function finalizersOf(meta: Obj): string[] {
  return Array.isArray(meta.finalizers) ? (meta.finalizers as string[]) : [];
}

/**
 * `deletionTimestamp` (and its grace period) cannot be set or cleared by an update, and an object being deleted
 * accepts no new finalizers (the API server's validation message).
 */
function keepDeletion(meta: Obj, cur: Obj, r: ResourceType, name: string): void {
  for (const f of ['deletionTimestamp', 'deletionGracePeriodSeconds'])
    if (cur[f] === undefined) delete meta[f];
    else meta[f] = cur[f];
  if (!cur.deletionTimestamp) return;
  const before = new Set(finalizersOf(cur));
  const added = finalizersOf(meta).filter((f) => !before.has(f));
  if (added.length)
    throw new ApiError(
      422,
      'Invalid',
      `${r.kind} "${name}" is invalid: metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f) => JSON.stringify(f)).join(', ')}}`,
      { name, kind: r.plural, group: r.group },
    );
}

export function metaOf(o: Obj): Obj {
  const m = o.metadata;
  if (typeof m === 'object' && m !== null && !Array.isArray(m)) return m as Obj;
  const fresh: Obj = {};
  o.metadata = fresh;
  return fresh;
}

/** etcd-like object store: one global resourceVersion counter, an event history for watch replay, compaction. */
export class ObjectStore {
  private rv = 1;
  private compactedBelow = 0;
  private readonly objects = new Map<string, Obj>();
  readonly history: StoredEvent[] = [];
  private readonly listeners = new Set<Listener>();

  get resourceVersion(): number {
    return this.rv;
  }

  /** Forget history below `rv` (default: everything so far): watches from older versions get 410 Gone. */
  compact(rv = this.rv + 1): void {
    this.compactedBelow = rv;
    while (this.history.length && (this.history[0]?.rv ?? 0) < rv) this.history.shift();
  }

  isCompacted(rv: number): boolean {
    return rv < this.compactedBelow - 1;
  }

  subscribe(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  private key(plural: string, ns: string | undefined, name: string): string {
    return `${plural}/${ns ?? ''}/${name}`;
  }

  get(plural: string, ns: string | undefined, name: string): Obj | undefined {
    const o = this.objects.get(this.key(plural, ns, name));
    return o ? structuredClone(o) : undefined;
  }

  list(plural: string, ns?: string): Obj[] {
    const prefix = ns === undefined ? `${plural}/` : `${plural}/${ns}/`;
    return [...this.objects.entries()]
      .filter(([k]) => k.startsWith(prefix))
      .map(([, o]) => structuredClone(o));
  }

  private notFound(r: ResourceType, name: string): ApiError {
    const what = r.group ? `${r.plural}.${r.group}` : r.plural;
    return new ApiError(404, 'NotFound', `${what} "${name}" not found`, {
      name,
      kind: r.plural,
      group: r.group,
    });
  }

  private commit(type: EventType, plural: string, obj: Obj): Obj {
    this.rv += 1;
    metaOf(obj).resourceVersion = String(this.rv);
    const ev: StoredEvent = { rv: this.rv, type, plural, object: structuredClone(obj) };
    this.history.push(ev);
    if (this.history.length > 50_000) this.history.shift();
    for (const l of this.listeners) l(ev);
    return structuredClone(obj);
  }

  create(plural: string, ns: string | undefined, input: Obj): Obj {
    const r = resourceByPlural(plural);
    const obj = structuredClone(input);
    const meta = metaOf(obj);
    if (!meta.name && typeof meta.generateName === 'string')
      meta.name = `${meta.generateName}${randomUUID().slice(0, 5)}`;
    const name = String(meta.name ?? '');
    if (!name) throw new ApiError(422, 'Invalid', `${r.kind} metadata.name: Required value`);
    if (r.namespaced) meta.namespace = ns ?? meta.namespace ?? 'default';
    const k = this.key(plural, r.namespaced ? String(meta.namespace) : undefined, name);
    if (this.objects.has(k))
      throw new ApiError(409, 'AlreadyExists', `${r.plural} "${name}" already exists`, {
        name,
        kind: r.plural,
      });
    obj.apiVersion = apiVersionOf(r);
    obj.kind = r.kind;
    meta.uid = meta.uid ?? randomUUID();
    meta.creationTimestamp = meta.creationTimestamp ?? now();
    delete meta.deletionTimestamp;
    meta.generation = 1;
    const out = this.commit('ADDED', plural, obj);
    this.objects.set(k, structuredClone(obj));
    return out;
  }

  /** Replace an object; a set metadata.resourceVersion that is not current is a 409 Conflict (optimistic lock). */
  update(plural: string, ns: string | undefined, name: string, input: Obj): Obj {
    const r = resourceByPlural(plural);
    const k = this.key(plural, r.namespaced ? ns : undefined, name);
    const cur = this.objects.get(k);
    if (!cur) throw this.notFound(r, name);
    const obj = structuredClone(input);
    const meta = metaOf(obj);
    const curMeta = metaOf(cur);
    const want = meta.resourceVersion;
    if (want !== undefined && want !== '' && want !== curMeta.resourceVersion) {
      const what = r.group ? `${r.plural}.${r.group}` : r.plural;
      throw new ApiError(
        409,
        'Conflict',
        `Operation cannot be fulfilled on ${what} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
        { name, kind: r.plural, group: r.group },
      );
    }
    Object.assign(meta, { name, uid: curMeta.uid, creationTimestamp: curMeta.creationTimestamp });
    if (r.namespaced) meta.namespace = curMeta.namespace;
    keepDeletion(meta, curMeta, r, name);
    obj.apiVersion = apiVersionOf(r);
    obj.kind = r.kind;
    const specChanged = JSON.stringify(obj.spec) !== JSON.stringify(cur.spec);
    meta.generation = Number(curMeta.generation ?? 1) + (specChanged ? 1 : 0);
    const out = this.commit('MODIFIED', plural, obj);
    this.objects.set(k, structuredClone(obj));
    // the update that removes the last finalizer of an object being deleted deletes it (MODIFIED, then DELETED)
    if (meta.deletionTimestamp && finalizersOf(meta).length === 0) this.remove(k, plural, obj);
    return out;
  }

  /**
   * DELETE: an object without finalizers is removed (DELETED); one with finalizers only gets
   * `deletionTimestamp` (MODIFIED) and stays until an update removes its last finalizer, as Kubernetes does.
   */
  delete(plural: string, ns: string | undefined, name: string): { object: Obj; pending: boolean } {
    const r = resourceByPlural(plural);
    const k = this.key(plural, r.namespaced ? ns : undefined, name);
    const cur = this.objects.get(k);
    if (!cur) throw this.notFound(r, name);
    const meta = metaOf(cur);
    if (finalizersOf(meta).length === 0) return { object: this.remove(k, plural, cur), pending: false };
    if (meta.deletionTimestamp) return { object: structuredClone(cur), pending: true };
    const obj = structuredClone(cur);
    Object.assign(metaOf(obj), { deletionTimestamp: now(), deletionGracePeriodSeconds: 0 });
    const out = this.commit('MODIFIED', plural, obj);
    this.objects.set(k, structuredClone(obj));
    return { object: out, pending: true };
  }

  private remove(k: string, plural: string, obj: Obj): Obj {
    this.objects.delete(k);
    return this.commit('DELETED', plural, structuredClone(obj));
  }

  /** Get or throw 404 NotFound. */
  mustGet(plural: string, ns: string | undefined, name: string): Obj {
    const r = resourceByPlural(plural);
    const o = this.get(plural, r.namespaced ? ns : undefined, name);
    if (!o) throw this.notFound(r, name);
    return o;
  }
}
