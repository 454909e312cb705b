import { executedTaskRuns, runResults } from '../model/index.ts';
import type { PipelineRun, RunObject, RunResult, TaskRun } from '../model/index.ts';
import { ArtifactList, appendArtifacts } from './append.ts';
import type { Artifact } from './append.ts';
import { subjectsFromResults } from './hints.ts';

/**
 * SubjectDigests (formats/slsa/extract, https://tekton.dev/docs/chains/slsa-provenance/), used by slsa/v1 and v2alpha3: run results only;
 * for a PipelineRun with deep inspection, executed children's subjects first, then the PR's, merged.
 */
export function subjectDigests(run: RunObject, children: readonly TaskRun[], deep: boolean): Artifact[] {
  const own = subjectsFromResults(runResults(run));
  if (run.kind === 'TaskRun' || !deep) return own;
  return appendArtifacts(childSubjects(run, children, subjectsFromResults), ...own);
}

/** Children's subjects in pipeline order (only when the PR has a pipelineSpec, as upstream). */
export function childSubjects(
  pr: PipelineRun,
  children: readonly TaskRun[],
  extract: (results: readonly RunResult[]) => Artifact[],
): Artifact[] {
  const out = new ArtifactList();
  if (!pr.status?.pipelineSpec) return out.toArray();
  for (const { run } of executedTaskRuns(pr, children)) out.add(...extract(runResults(run)));
  return out.toArray();
}
