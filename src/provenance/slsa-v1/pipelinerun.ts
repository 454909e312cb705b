import { pipelineTasks, taskRunsByTask } from '../../model/index.ts';
import type { Condition, PipelineRun, PipelineTask, TaskRun } from '../../model/index.ts';
import { pipelineMaterials } from '../materials.ts';
import { utcTime } from '../serialize.ts';
import { invocation, materialsJson, metadata, stepAttestation } from './attest.ts';

/** Go's zero time.Time, written when a child has no startTime (upstream would panic). */
const ZERO_TIME = '0001-01-01T00:00:00Z';

/** Pipeline task names referenced as `$(tasks.<name>.results.…)` in params, matrix and when (PipelineTaskResultRefs). */
export function resultRefTasks(t: PipelineTask): string[] {
  const texts: string[] = [];
  const addValue = (v: unknown): void => {
    if (typeof v === 'string') texts.push(v);
    else if (Array.isArray(v)) v.forEach(addValue);
    else if (v && typeof v === 'object') Object.values(v).forEach(addValue);
  };
  const matrix = (t.matrix ?? {}) as {
    params?: { value?: unknown }[];
    include?: { params?: { value?: unknown }[] }[];
  };
  const params = [
    ...(t.params ?? []),
    ...(matrix.params ?? []),
    ...(matrix.include ?? []).flatMap((i) => i.params ?? []),
  ];
  for (const p of params) addValue(p.value);
  for (const w of t.when ?? []) {
    addValue((w as { input?: unknown }).input);
    addValue((w as { values?: unknown }).values);
  }
  const out: string[] = [];
  for (const text of texts) {
    for (const m of text.matchAll(/\$\(([_a-zA-Z0-9.-]+(?:\.[_a-zA-Z0-9.-]+)*(?:\[(?:[0-9]+|\*)\])?)\)/g)) {
      const parts = (m[1] ?? '').split('.');
      if (parts.length >= 4 && parts[0] === 'tasks' && parts[2] === 'results' && parts[1]) out.push(parts[1]);
    }
  }
  return out;
}

function taskStatus(conditions: readonly Condition[] | undefined): string {
  switch (conditions?.[0]?.status) {
    case 'True':
      return 'Succeeded';
    case 'False':
      return 'Failed';
    case 'Unknown':
      return 'Running';
    default:
      return '';
  }
}

/** Steps zipped by index; undefined when counts differ or an `unnamed-` state meets a named step. */
function zippedSteps(tr: TaskRun): Record<string, unknown>[] | undefined {
  const spec = tr.status?.taskSpec?.steps ?? [];
  const states = tr.status?.steps ?? [];
  if (!tr.status?.taskSpec || spec.length !== states.length) return undefined;
  const out: Record<string, unknown>[] = [];
  for (const [i, step] of spec.entries()) {
    const state = states[i] ?? {};
    if ((state.name ?? '').startsWith('unnamed-') && step.name) return undefined;
    out.push(stepAttestation(step, state));
  }
  return out;
}

function taskAttestation(
  pr: PipelineRun,
  t: PipelineTask,
  tr: TaskRun,
  after: string[],
): Record<string, unknown> | undefined {
  const steps = zippedSteps(tr);
  if (!steps) return undefined;
  const a: Record<string, unknown> = { name: t.name };
  if (after.length > 0) a.after = after;
  a.ref = t.taskRef ?? {};
  a.startedOn = tr.status?.startTime ? utcTime(tr.status.startTime) : ZERO_TIME;
  a.finishedOn = utcTime(tr.status?.completionTime ?? ZERO_TIME);
  const sa = pr.spec.taskRunTemplate?.serviceAccountName;
  if (sa) a.serviceAccountName = sa;
  const status = taskStatus(tr.status?.conditions);
  if (status) a.status = status;
  if (steps.length > 0) a.steps = steps;
  a.invocation = invocation(tr, tr.spec.params ?? [], tr.status?.taskSpec?.params ?? []);
  const results = tr.status?.results ?? [];
  if (results.length > 0) a.results = results;
  return a;
}

/** buildConfig.tasks: executed children in pipeline order, finally last (formats/slsa/v1/pipelinerun). */
export function pipelineBuildConfig(pr: PipelineRun, children: readonly TaskRun[]): Record<string, unknown> {
  const spec = pr.status?.pipelineSpec;
  if (!spec) return { tasks: null };
  const nTasks = spec.tasks?.length ?? 0;
  const tasks: Record<string, unknown>[] = [];
  const byTask = taskRunsByTask(children);
  let last = '';
  for (const [i, t] of pipelineTasks(pr).entries()) {
    for (const tr of byTask.get(t.name) ?? []) {
      if (!tr.status?.completionTime) continue;
      const after = [...(t.runAfter ?? [])];
      for (const ref of resultRefTasks(t)) if (!after.includes(ref)) after.push(ref);
      if (after.length === 0 && i >= nTasks && last !== '') after.push(last);
      const a = taskAttestation(pr, t, tr, after);
      if (a) tasks.push(a);
    }
    if (i < nTasks) last = t.name;
  }
  return { tasks };
}

/** SLSA v0.2 predicate for a PipelineRun (https://tekton.dev/docs/chains/slsa-provenance/). */
export function pipelineRunPredicateV02(
  pr: PipelineRun,
  children: readonly TaskRun[],
  builderId: string,
  deep: boolean,
): Record<string, unknown> {
  const mats = pipelineMaterials(pr, children, deep);
  const p: Record<string, unknown> = {
    builder: { id: builderId },
    buildType: 'tekton.dev/v1/PipelineRun',
    invocation: invocation(pr, pr.spec.params ?? [], pr.status?.pipelineSpec?.params ?? []),
    buildConfig: pipelineBuildConfig(pr, children),
    metadata: metadata(pr),
  };
  if (mats.length > 0) p.materials = materialsJson(mats);
  return p;
}
