/**
 * An in-toto statement read for the picture (materials → steps → subjects) and the diff. Statements are
 * hostile input: every field is read defensively and kept as text.
 */

export interface Artifact {
  name: string;
  digests: string[];
}

export interface Step {
  name: string;
  detail: string;
}

export interface StatementView {
  predicateType: string;
  buildType: string;
  builder: string;
  subjects: Artifact[];
  materials: Artifact[];
  steps: Step[];
  parameters: { name: string; value: string }[];
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string =>
  typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v);
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.map(obj) : []);

function digests(d: unknown): string[] {
  return Object.entries(obj(d)).map(([alg, v]) => `${alg}:${str(v)}`);
}

function artifacts(items: Obj[], nameKeys: string[]): Artifact[] {
  return items.map((m) => ({
    name: nameKeys.map((k) => str(m[k])).find((s) => s !== '') ?? '',
    digests: digests(m.digest),
  }));
}

function stepsOf(p: Obj): Step[] {
  const cfg = obj(p.buildConfig);
  const v02 = [
    ...list(cfg.steps).map((s, i) => ({
      name: str(s.name) || `step ${i + 1}`,
      detail: str(obj(s.environment).image) || str(s.entryPoint).slice(0, 120),
    })),
    ...list(cfg.tasks).map((t) => ({ name: str(t.name), detail: str(obj(t.ref).name) || str(t.ref) })),
  ];
  if (v02.length) return v02;
  const spec = obj(obj(obj(p.buildDefinition).externalParameters).runSpec);
  const v1 = [
    ...list(obj(spec.taskSpec).steps).map((s) => ({ name: str(s.name), detail: str(s.image) })),
    ...list(obj(spec.pipelineSpec).tasks).map((t) => ({
      name: str(t.name),
      detail: str(obj(t.taskRef).name),
    })),
  ];
  if (v1.length) return v1;
  const ref = obj(spec.taskRef).name ?? obj(spec.pipelineRef).resolver;
  return [{ name: 'build', detail: ref ? str(ref) : 'steps not recorded in the statement' }];
}

function parametersOf(p: Obj): { name: string; value: string }[] {
  const inv = obj(p.invocation);
  const v02 = obj(inv.parameters);
  const v1 = obj(obj(p.buildDefinition).externalParameters);
  const params = Object.keys(v02).length ? v02 : v1;
  return Object.entries(params).map(([name, value]) => ({ name, value: str(value) }));
}

export function statementView(statement: unknown): StatementView {
  const s = obj(statement);
  const p = obj(s.predicate);
  const def = obj(p.buildDefinition);
  return {
    predicateType: str(s.predicateType),
    buildType: str(p.buildType) || str(def.buildType),
    builder: str(obj(p.builder).id) || str(obj(obj(p.runDetails).builder).id),
    subjects: artifacts(list(s.subject), ['name']),
    materials: artifacts(list(p.materials).length ? list(p.materials) : list(def.resolvedDependencies), [
      'uri',
      'name',
    ]),
    steps: stepsOf(p),
    parameters: parametersOf(p),
  };
}

export interface DiffRow {
  path: string;
  a?: string;
  b?: string;
  change: 'same' | 'changed' | 'added' | 'removed';
}

/** Flatten JSON to path → scalar text ("/predicate/materials/0/uri"), RFC 6901 escaping. */
export function flatten(v: unknown, path = '', out = new Map<string, string>()): Map<string, string> {
  if (v !== null && typeof v === 'object') {
    const entries = Array.isArray(v) ? v.map((x, i) => [String(i), x] as const) : Object.entries(v);
    if (entries.length === 0) out.set(path || '/', Array.isArray(v) ? '[]' : '{}');
    for (const [k, x] of entries) flatten(x, `${path}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`, out);
  } else out.set(path || '/', v === undefined ? 'undefined' : JSON.stringify(v));
  return out;
}

/** Side-by-side diff of two statements, path by path, in first-seen order. */
export function diffStatements(a: unknown, b: unknown): DiffRow[] {
  const fa = flatten(a);
  const fb = flatten(b);
  const paths = [...new Set([...fa.keys(), ...fb.keys()])];
  return paths.map((path) => {
    const x = fa.get(path);
    const y = fb.get(path);
    const change = x === undefined ? 'added' : y === undefined ? 'removed' : x === y ? 'same' : 'changed';
    return { path, ...(x !== undefined ? { a: x } : {}), ...(y !== undefined ? { b: y } : {}), change };
  });
}
