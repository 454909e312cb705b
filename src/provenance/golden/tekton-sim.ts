import { createHash } from 'node:crypto';

/**
 * A tiny stand-in for the Tekton controller, so the upstream e2e examples (spec only) become the done runs a
 * cluster would store: Tekton's defaulting (serviceAccountName, timeouts, computeResources, typed object
 * properties, taskSpec metadata), results read from the `echo … > $(results.X.path)` lines of the scripts,
 * results sorted by name, `$(results.X.path)` resolved in status.taskSpec, step image IDs pinned by digest.
 */

type Obj = Record<string, unknown>;
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const list = (v: unknown): Obj[] => (Array.isArray(v) ? (v as Obj[]) : []);

export interface SimTimes {
  uid: string;
  start: string;
  end: string;
}

/** `image` pinned the way a container runtime reports it: kept when already by digest, else a fake digest. */
export function imageId(image: string): string {
  const at = image.indexOf('@');
  if (at >= 0) return `${image.slice(0, at).replace(/:[^/]*$/, '')}${image.slice(at)}`; // runtimes report no tag
  const base = image.includes('/') ? image : `docker.io/library/${image}`;
  return `${base.replace(/:[^/]*$/, '')}@sha256:${createHash('sha256').update(image).digest('hex')}`;
}

function unquote(arg: string): string {
  if (arg.startsWith("'")) return arg.slice(1, -1);
  if (arg.startsWith('"')) return arg.slice(1, -1).replace(/\\(["\\$`])/g, '$1');
  return arg;
}

/** Values the script's echo lines write into result files. */
export function scriptResults(script: string): Map<string, string> {
  const out = new Map<string, string>();
  const re =
    /^\s*echo (-n )?('[^']*'|"(?:[^"\\]|\\.)*"|[^ |>]+) *(?:\| *tee|>) *(?:\$\(results\.([^.)]+)\.path\)|\/tekton\/results\/(\S+))/;
  for (const line of script.split('\n')) {
    const m = re.exec(line);
    if (m) out.set(m[3] ?? m[4] ?? '', unquote(m[2] ?? '') + (m[1] ? '' : '\n'));
  }
  return out;
}

function defaultTaskSpec(ts: Obj, inPipeline: boolean): Obj {
  const spec = clone(ts);
  for (const s of list(spec.steps)) s.computeResources ??= {};
  for (const r of list(spec.results)) {
    for (const [k, v] of Object.entries(obj(r.properties))) obj(r.properties)[k] = { type: 'string', ...obj(v) };
  }
  if (inPipeline) {
    spec.metadata ??= {};
    spec.spec ??= null;
  }
  return spec;
}

function resolvedTaskSpec(ts: Obj): Obj {
  const mounts = new Map(list(ts.workspaces).map((w) => [String(w.name), String(w.mountPath ?? `/workspace/${String(w.name)}`)]));
  const text = JSON.stringify(ts)
    .replace(/\$\(results\.([^.)]+)\.path\)/g, '/tekton/results/$1')
    .replace(/\$\(workspaces\.([^.)]+)\.path\)/g, (m, w: string) => mounts.get(w) ?? m);
  return JSON.parse(text) as Obj;
}

function runResults(ts: Obj, extra: Record<string, string> = {}): Obj[] {
  const written = new Map<string, string>(Object.entries(extra));
  for (const s of list(ts.steps)) for (const [k, v] of scriptResults(String(s.script ?? ''))) written.set(k, v);
  const types = new Map(list(ts.results).map((r) => [String(r.name), String(r.type ?? 'string')]));
  return [...written.keys()]
    .filter((k) => types.has(k))
    .sort()
    .map((name) => {
      const type = types.get(name) ?? 'string';
      const raw = written.get(name) ?? '';
      return { name, type, value: type === 'object' ? (JSON.parse(raw) as unknown) : raw };
    });
}

const succeeded = (end: string): Obj[] => [
  { type: 'Succeeded', status: 'True', reason: 'Succeeded', message: 'All Steps have completed executing', lastTransitionTime: end },
];

/** A done TaskRun for a TaskRun example, or for a pipeline task when `pipeline` is given. */
/** For a TaskRun with a taskRef: the referenced Task's spec, and results its programs write (not echo). */
export interface SimExtras {
  taskSpec?: Obj;
  written?: Record<string, string>;
}

/** `$(params.X)` replaced by the run's value or the Task's default, as Tekton does in status.taskSpec. */
function substituteParams(ts: Obj, params: Obj[]): Obj {
  const values = new Map<string, string>();
  for (const p of list(ts.params)) if (typeof p.default === 'string') values.set(String(p.name), p.default);
  for (const p of params) if (typeof p.value === 'string') values.set(String(p.name), p.value);
  const text = JSON.stringify(ts).replace(/\$\(params\.([^)]+)\)/g, (m, k: string) =>
    values.has(k) ? JSON.stringify(values.get(k)).slice(1, -1) : m,
  );
  return JSON.parse(text) as Obj;
}

export function completeTaskRun(
  example: Obj,
  t: SimTimes,
  pipeline?: { pr: string; task: string },
  extras: SimExtras = {},
): Obj {
  const metadata = obj(example.metadata);
  const name = pipeline ? `${pipeline.pr}-${pipeline.task}` : String(metadata.name);
  const spec: Obj = { ...obj(example.spec), serviceAccountName: 'default', timeout: '1h0m0s' };
  if (!extras.taskSpec) spec.taskSpec = defaultTaskSpec(obj(spec.taskSpec), false);
  const declared = extras.taskSpec ? defaultTaskSpec(extras.taskSpec, false) : obj(spec.taskSpec);
  const taskSpec = resolvedTaskSpec(substituteParams(declared, list(spec.params)));
  const labels: Record<string, string> = { 'app.kubernetes.io/managed-by': 'tekton-pipelines' };
  if (pipeline) Object.assign(labels, { 'tekton.dev/pipeline': pipeline.pr, 'tekton.dev/pipelineRun': pipeline.pr, 'tekton.dev/pipelineTask': pipeline.task });
  return {
    apiVersion: 'tekton.dev/v1',
    kind: 'TaskRun',
    metadata: { ...metadata, name, namespace: 'e2e', uid: t.uid, labels },
    spec,
    status: {
      conditions: succeeded(t.end),
      podName: `${name}-pod`,
      startTime: t.start,
      completionTime: t.end,
      steps: list(taskSpec.steps).map((s) => ({
        name: s.name,
        container: `step-${String(s.name)}`,
        imageID: imageId(String(s.image)),
        terminated: { exitCode: 0, reason: 'Completed' },
      })),
      results: runResults(taskSpec, extras.written),
      taskSpec,
      provenance: { featureFlags: { EnableAPIFields: 'beta', ResultExtractionMethod: 'termination-message' } },
    },
  };
}

/** Resolve `$(tasks.T.results.R)` from the children's results. */
function pipelineResults(ps: Obj, children: Obj[]): Obj[] {
  const byTask = new Map(children.map((c) => [obj(obj(c.metadata).labels)['tekton.dev/pipelineTask'], list(obj(c.status).results)]));
  return list(ps.results).map((r) => {
    const m = /^\$\(tasks\.([^.]+)\.results\.([^)]+)\)$/.exec(String(r.value));
    const found = (byTask.get(m?.[1]) ?? []).find((x) => x.name === m?.[2]);
    return { name: r.name, value: found?.value ?? '' };
  });
}

/** A done PipelineRun and its child TaskRuns (one per task, times from `times`). */
export function completePipelineRun(example: Obj, name: string, times: SimTimes[]): { run: Obj; children: Obj[] } {
  const [prTimes, ...taskTimes] = times;
  if (!prTimes) throw new Error('need times for the PipelineRun');
  const spec: Obj = { ...obj(example.spec), taskRunTemplate: { serviceAccountName: 'default' }, timeouts: { pipeline: '1h0m0s' } };
  const ps = clone(obj(spec.pipelineSpec));
  for (const r of list(ps.results)) r.description ??= '';
  for (const task of list(ps.tasks)) task.taskSpec = defaultTaskSpec(obj(task.taskSpec), true);
  spec.pipelineSpec = ps;
  const children = list(ps.tasks).map((task, i) => {
    const t = taskTimes[i] ?? prTimes;
    return completeTaskRun({ spec: { taskSpec: task.taskSpec } }, t, { pr: name, task: String(task.name) });
  });
  const run = {
    apiVersion: 'tekton.dev/v1',
    kind: 'PipelineRun',
    metadata: { name, namespace: 'e2e', uid: prTimes.uid, labels: { 'tekton.dev/pipeline': name } },
    spec,
    status: {
      conditions: succeeded(prTimes.end),
      startTime: prTimes.start,
      completionTime: prTimes.end,
      pipelineSpec: ps,
      results: pipelineResults(ps, children),
      childReferences: children.map((c) => ({
        apiVersion: 'tekton.dev/v1',
        kind: 'TaskRun',
        name: obj(c.metadata).name,
        pipelineTaskName: obj(obj(c.metadata).labels)['tekton.dev/pipelineTask'],
      })),
      provenance: { featureFlags: { EnableAPIFields: 'beta' } },
    },
  };
  return { run, children };
}
