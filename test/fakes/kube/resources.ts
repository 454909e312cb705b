/** The API resources the fake serves: enough of core/v1, tekton.dev/v1 and coordination.k8s.io/v1 for Chains. */
export interface ResourceType {
  /** `''` for the core group */
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
  /** for discovery (`kubectl get tr`) */
  shortNames?: string[];
  categories?: string[];
}

export const RESOURCES: ResourceType[] = [
  { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true },
  { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true, shortNames: ['cm'] },
  {
    group: '',
    version: 'v1',
    plural: 'serviceaccounts',
    kind: 'ServiceAccount',
    namespaced: true,
    shortNames: ['sa'],
  },
  { group: '', version: 'v1', plural: 'events', kind: 'Event', namespaced: true },
  {
    group: '',
    version: 'v1',
    plural: 'namespaces',
    kind: 'Namespace',
    namespaced: false,
    shortNames: ['ns'],
  },
  {
    group: 'tekton.dev',
    version: 'v1',
    plural: 'taskruns',
    kind: 'TaskRun',
    namespaced: true,
    shortNames: ['tr', 'trs'],
    categories: ['tekton', 'tekton-pipelines'],
  },
  {
    group: 'tekton.dev',
    version: 'v1',
    plural: 'pipelineruns',
    kind: 'PipelineRun',
    namespaced: true,
    shortNames: ['pr', 'prs'],
    categories: ['tekton', 'tekton-pipelines'],
  },
  { group: 'coordination.k8s.io', version: 'v1', plural: 'leases', kind: 'Lease', namespaced: true },
];

export function apiVersionOf(r: ResourceType): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

/** Resource key used by the store and tests, e.g. `taskruns`, `secrets`, `leases`. */
export function resourceByPlural(plural: string): ResourceType {
  const r = RESOURCES.find((x) => x.plural === plural);
  if (!r) throw new Error(`fake kube-apiserver: unknown resource ${plural}`);
  return r;
}

/** Parsed API path: /api/v1/... or /apis/<group>/<version>/..., optional namespace, name and subresource. */
export interface ParsedPath {
  resource: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
}

export function parsePath(pathname: string): ParsedPath | undefined {
  const parts = pathname.split('/').filter(Boolean);
  let group = '';
  let rest: string[];
  if (parts[0] === 'api' && parts[1] === 'v1') rest = parts.slice(2);
  else if (parts[0] === 'apis' && parts.length >= 3) {
    group = parts[1] ?? '';
    if (parts[2] !== 'v1') return undefined;
    rest = parts.slice(3);
  } else return undefined;
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [plural, name, subresource] = rest;
  const resource = RESOURCES.find((r) => r.group === group && r.plural === plural);
  if (!resource) return undefined;
  return { resource, namespace, name, subresource };
}
