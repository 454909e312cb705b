/**
 * Legacy discovery documents (`/api`, `/apis`, `/api/v1`, `/apis/<group>/<version>`, `/version`) and the
 * `meta.k8s.io/v1` Table answer: what kubectl reads before it gets, lists, watches or patches a resource.
 * Aggregated discovery (apidiscovery.k8s.io/v2) is not served; clients fall back to these, as with older servers.
 */
import type { Obj } from './patch.ts';
import { RESOURCES, type ResourceType } from './resources.ts';
import { metaOf } from './store.ts';

const VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

const groups = (): string[] => [...new Set(RESOURCES.map((r) => r.group).filter(Boolean))];

function resourceList(groupVersion: string, members: ResourceType[]): Obj {
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion,
    resources: members.map((r) => ({
      name: r.plural,
      singularName: r.kind.toLowerCase(),
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: VERBS,
      ...(r.shortNames ? { shortNames: r.shortNames } : {}),
      ...(r.categories ? { categories: r.categories } : {}),
    })),
  };
}

/** The discovery document at `pathname`, or undefined when it is not a discovery path. */
export function discovery(pathname: string, serverAddress: string): Obj | undefined {
  const path = pathname.replace(/\/+$/, '');
  if (path === '/version')
    return { major: '1', minor: '32', gitVersion: 'v1.32.0-fake', platform: 'linux/amd64' };
  if (path === '/api')
    return {
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
    };
  if (path === '/api/v1')
    return resourceList(
      'v1',
      RESOURCES.filter((r) => r.group === ''),
    );
  if (path === '/apis')
    return {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: groups().map((name) => {
        const v = { groupVersion: `${name}/v1`, version: 'v1' };
        return { name, versions: [v], preferredVersion: v };
      }),
    };
  const m = /^\/apis\/([^/]+)\/v1$/.exec(path);
  if (m && groups().includes(m[1] ?? ''))
    return resourceList(
      `${m[1]}/v1`,
      RESOURCES.filter((r) => r.group === m[1]),
    );
  return undefined;
}

/** kubectl's default output asks for `as=Table` in Accept (server-side printing). */
export function wantsTable(accept: string | undefined): boolean {
  return /;\s*as=Table/.test(accept ?? '');
}

function age(created: unknown): string {
  const s = Math.max(0, Math.floor((Date.now() - Date.parse(String(created))) / 1000));
  if (!Number.isFinite(s)) return '<unknown>';
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  return `${Math.floor(s / 3600)}h`;
}

/** NAME and AGE columns, each row carrying the object's metadata (PartialObjectMetadata), as for a CRD. */
export function table(r: ResourceType, items: Obj[], resourceVersion: string): Obj {
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: [
      { name: 'Name', type: 'string', format: 'name', description: 'Name of the object', priority: 0 },
      { name: 'Age', type: 'date', format: '', description: 'Time since creation', priority: 0 },
    ],
    rows: items.map((o) => {
      const meta = metaOf(o);
      return {
        cells: [meta.name, age(meta.creationTimestamp)],
        object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: meta },
      };
    }),
  };
}
