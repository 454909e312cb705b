import { ModelError } from './errors.ts';
import type { RunObject } from './parse.ts';
import type { PipelineRun, PipelineTask } from './pipelinerun.ts';
import type { RunResult } from './schema.ts';
import type { TaskRun } from './taskrun.ts';

/** Label Tekton puts on a child TaskRun naming its pipeline task. */
export const PIPELINE_TASK_LABEL = 'tekton.dev/pipelineTask';

export interface RunRef {
  kind: RunObject['kind'];
  namespace: string;
  name: string;
  uid: string;
}

/** Identity of a run, for keys, logs and annotations. */
export function runRef(run: RunObject): RunRef {
  const m = run.metadata;
  return { kind: run.kind, namespace: m.namespace ?? '', name: m.name ?? '', uid: m.uid ?? '' };
}

/**
 * A run's name for messages: `metadata.name`, else `generateName` with a placeholder for the suffix the API
 * server would add (a manifest written for `kubectl create`), else `<unnamed>`.
 */
export function displayName(meta: { name?: string | undefined; generateName?: string | undefined }): string {
  if (meta.name) return meta.name;
  if (meta.generateName) return `${meta.generateName}<generated>`;
  return '<unnamed>';
}

/** The `Succeeded` condition status, if any. */
export function succeededStatus(run: RunObject): 'True' | 'False' | 'Unknown' | undefined {
  return run.status?.conditions?.find((c) => c.type === 'Succeeded')?.status;
}

/** Done = Succeeded condition present and not Unknown; failed and cancelled runs are done too (https://github.com/tektoncd/chains/tree/main/pkg/reconciler). */
export function isDone(run: RunObject): boolean {
  const s = succeededStatus(run);
  return s === 'True' || s === 'False';
}

/** Throws RUN_NOT_DONE unless the run is done. */
export function assertDone(run: RunObject): void {
  if (!isDone(run)) {
    throw new ModelError(
      'RUN_NOT_DONE',
      `${run.kind} ${displayName(run.metadata)} is not done (no Succeeded condition with status True or False)`,
    );
  }
}

export function runResults(run: RunObject): RunResult[] {
  return run.status?.results ?? [];
}

/** Results written by StepActions (`status.steps[].results`), in step order. */
export function stepResults(tr: TaskRun): RunResult[] {
  return (tr.status?.steps ?? []).flatMap((s) => s.results ?? []);
}

/** Pipeline tasks then finally tasks, as Chains walks them. */
export function pipelineTasks(pr: PipelineRun): PipelineTask[] {
  const spec = pr.status?.pipelineSpec;
  return [...(spec?.tasks ?? []), ...(spec?.finally ?? [])];
}

/** Children grouped by pipeline task label, each group in supplied order: one pass instead of one per task. */
export function taskRunsByTask(children: readonly TaskRun[]): Map<string, TaskRun[]> {
  const out = new Map<string, TaskRun[]>();
  for (const tr of children) {
    const task = tr.metadata.labels?.[PIPELINE_TASK_LABEL];
    if (task === undefined) continue;
    const group = out.get(task);
    if (group) group.push(tr);
    else out.set(task, [tr]);
  }
  return out;
}

/** Completed children in pipeline order, finally last (GetExecutedTasks). */
export function executedTaskRuns(
  pr: PipelineRun,
  children: readonly TaskRun[],
): { task: PipelineTask; run: TaskRun }[] {
  const byTask = taskRunsByTask(children);
  return pipelineTasks(pr).flatMap((task) =>
    (byTask.get(task.name) ?? [])
      .filter((run) => run.status?.completionTime !== undefined)
      .map((run) => ({ task, run })),
  );
}

/**
 * Every TaskRun named in `status.childReferences` must be supplied, else MISSING_CHILD.
 * Other child kinds (CustomRun) are ignored, unlike Chains which then never attests (https://github.com/tektoncd/chains/tree/main/pkg/reconciler).
 */
export function assertChildrenPresent(pr: PipelineRun, children: readonly TaskRun[]): void {
  const have = new Set(children.map((c) => c.metadata.name ?? ''));
  for (const ref of pr.status?.childReferences ?? []) {
    if ((ref.kind ?? 'TaskRun') !== 'TaskRun') continue; // CustomRuns do not block (unlike Chains #1210)
    if (!have.has(ref.name)) {
      throw new ModelError(
        'MISSING_CHILD',
        `PipelineRun ${displayName(pr.metadata)}: child TaskRun ${ref.name} (task ${ref.pipelineTaskName ?? '?'}) was not supplied`,
      );
    }
  }
}
