import { executedTaskRuns, runResults, stepResults } from '../../model/index.ts';
import type { PipelineRun, RunObject, TaskRun } from '../../model/index.ts';
import { ArtifactList, appendArtifacts } from '../append.ts';
import type { Artifact } from '../append.ts';
import { buildArtifactSubjects } from '../hints.ts';
import type { ResolvedOptions } from '../options.ts';
import { makeStatement } from '../serialize.ts';
import type { ResourceDescriptor, Statement } from '../serialize.ts';
import { subjectDigests } from '../subjects.ts';
import { nonArtifactResults, resultByproduct, slsaV1Predicate } from './predicate.ts';
import { pipelineRunDependencies, taskRunDependencies } from './resolved.ts';

export const STATEMENT_V1 = 'https://in-toto.io/Statement/v1';
export const SLSA_V1 = 'https://slsa.dev/provenance/v1';

/** v2alpha3 byproducts: every run result as `taskRunResults/<name>` or `pipelineRunResults/<name>`. */
function byproductsV2alpha3(run: RunObject): ResourceDescriptor[] {
  const prefix = run.kind === 'TaskRun' ? 'taskRunResults' : 'pipelineRunResults';
  return runResults(run).map((r) => resultByproduct(`${prefix}/${r.name}`, r.value));
}

/** `slsa/v2alpha3`: Statement v1 + SLSA v1.0 (formats/slsa/v2alpha3). Frozen at Chains e44b60fe. */
export function slsaV2alpha3Statement(run: RunObject, o: ResolvedOptions): Statement {
  const deps =
    run.kind === 'TaskRun'
      ? taskRunDependencies(run, { withStepActions: false })
      : pipelineRunDependencies(run, o.children, o, { withStepActions: false });
  const predicate = slsaV1Predicate({
    buildType: o.buildType,
    run,
    resolvedDependencies: deps,
    byproducts: byproductsV2alpha3(run),
    options: o,
  });
  return makeStatement(STATEMENT_V1, subjectDigests(run, o.children, o.deepInspection), SLSA_V1, predicate);
}

/** v2alpha4 TaskRun byproducts: non-artifact task results, then non-artifact step results. */
function taskByproductsV2alpha4(tr: TaskRun): ResourceDescriptor[] {
  const name = tr.metadata.name ?? '';
  return [
    ...nonArtifactResults(runResults(tr)).map((r) =>
      resultByproduct(`taskRunResults/${name}/${r.name}`, r.value),
    ),
    ...nonArtifactResults(stepResults(tr)).map((r) =>
      resultByproduct(`stepResults/${name}/${r.name}`, r.value),
    ),
  ];
}

function byproductsV2alpha4(run: RunObject, o: ResolvedOptions): ResourceDescriptor[] {
  if (run.kind === 'TaskRun') return taskByproductsV2alpha4(run);
  const name = run.metadata.name ?? '';
  const own = nonArtifactResults(runResults(run)).map((r) =>
    resultByproduct(`pipelineRunResults/${name}/${r.name}`, r.value),
  );
  if (!o.deepInspection) return own;
  return [...own, ...executedTaskRuns(run, o.children).flatMap((e) => taskByproductsV2alpha4(e.run))];
}

/** v2alpha4 TaskRun subjects: build artifacts of each step's results, then of the task results. */
function taskSubjectsV2alpha4(tr: TaskRun): Artifact[] {
  let subjects: Artifact[] = [];
  for (const s of tr.status?.steps ?? [])
    subjects = appendArtifacts(subjects, ...buildArtifactSubjects(s.results ?? []));
  return appendArtifacts(subjects, ...buildArtifactSubjects(runResults(tr)));
}

/** v2alpha4 PipelineRun subjects: the PR's build artifacts, then (deep inspection) each executed child's. */
function pipelineSubjectsV2alpha4(pr: PipelineRun, o: ResolvedOptions): Artifact[] {
  const subjects = ArtifactList.from(buildArtifactSubjects(runResults(pr)));
  if (!o.deepInspection) return subjects.toArray();
  for (const { run } of executedTaskRuns(pr, o.children)) subjects.add(...taskSubjectsV2alpha4(run));
  return subjects.toArray();
}

/** `slsa/v2alpha4` (formats/slsa/v2alpha4, https://tekton.dev/docs/chains/slsa-provenance/). Frozen at Chains e44b60fe. */
export function slsaV2alpha4Statement(run: RunObject, o: ResolvedOptions): Statement {
  const flags = { withStepActions: true };
  const deps =
    run.kind === 'TaskRun'
      ? taskRunDependencies(run, flags)
      : pipelineRunDependencies(run, o.children, o, flags);
  const subjects = run.kind === 'TaskRun' ? taskSubjectsV2alpha4(run) : pipelineSubjectsV2alpha4(run, o);
  const predicate = slsaV1Predicate({
    buildType: o.buildType,
    run,
    resolvedDependencies: deps,
    byproducts: byproductsV2alpha4(run, o),
    options: o,
  });
  return makeStatement(STATEMENT_V1, subjects, SLSA_V1, predicate);
}
