import { executedTaskRuns } from '../../model/index.ts';
import type { PipelineRun, TaskRun } from '../../model/index.ts';
import { goMarshal } from '../../core/json.ts';
import type { Artifact } from '../append.ts';
import {
  pipelineInputMaterials,
  sidecarImageMaterials,
  stepActionInputMaterials,
  stepImageMaterials,
  taskInputMaterials,
} from '../materials.ts';
import type { ResolvedOptions } from '../options.ts';
import { BUILD_TYPE_DETAIL } from '../options.ts';
import { descriptor } from '../serialize.ts';
import type { ResourceDescriptor } from '../serialize.ts';

/** resolvedDependencies (formats/slsa/internal/resolved_dependencies, https://tekton.dev/docs/chains/slsa-provenance/). */

const INPUT_RESULT = 'inputs/result';
const PIPELINE_RESOURCE = 'pipelineResource';

/** v2alpha4 adds StepAction results and remote StepActions (ResolveOptions.WithStepActionsResults). */
export interface ResolveFlags {
  withStepActions: boolean;
}

function fromMaterials(mats: readonly Artifact[], name?: string): ResourceDescriptor[] {
  return mats.map((m) => ({ name, uri: m.name, digest: m.digest }));
}

function refSource(run: TaskRun | PipelineRun, name: string): ResourceDescriptor[] {
  const rs = run.status?.provenance?.refSource;
  return rs ? [{ name, uri: rs.uri, digest: rs.digest }] : [];
}

/** One `stepAction/<step>` entry per step whose provenance has a refSource (remote StepAction). */
function remoteStepActions(tr: TaskRun): ResourceDescriptor[] {
  return (tr.status?.steps ?? []).flatMap((s) => {
    const rs = s.provenance?.refSource;
    return rs ? [{ name: `stepAction/${s.name ?? ''}`, uri: rs.uri, digest: rs.digest }] : [];
  });
}

/** (uri, digest, content) as Chains compares them: the protojson text, where empty fields are absent. */
function identity(rd: ResourceDescriptor): string {
  const digest = Object.entries(rd.digest ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([alg, hex]) => `${alg}=${hex}`)
    .join(',');
  return `${rd.uri ?? ''}\u0000${digest}\u0000${rd.content ?? ''}`;
}

/** Drop repeats of (uri, digest, content), ignoring name; `task`, `pipeline`, `stepAction/*` are always kept. */
export function dedupeDependencies(rds: readonly ResourceDescriptor[]): ResourceDescriptor[] {
  const seen = new Set<string>();
  const out: ResourceDescriptor[] = [];
  for (const rd of rds) {
    const key = identity(rd);
    const pinned = rd.name === 'task' || rd.name === 'pipeline' || (rd.name ?? '').startsWith('stepAction/');
    if (seen.has(key) && !pinned) continue;
    seen.add(key);
    out.push(descriptor(rd));
  }
  return out;
}

function images(tr: TaskRun): ResourceDescriptor[] {
  return fromMaterials([...stepImageMaterials(tr), ...sidecarImageMaterials(tr)]);
}

export function taskRunDependencies(tr: TaskRun, f: ResolveFlags): ResourceDescriptor[] {
  const rds = [...refSource(tr, 'task'), ...images(tr)];
  if (f.withStepActions) {
    rds.push(...fromMaterials(stepActionInputMaterials(tr), INPUT_RESULT), ...remoteStepActions(tr));
  }
  const inputs = taskInputMaterials(tr);
  rds.push(...fromMaterials(inputs, INPUT_RESULT), ...fromMaterials(inputs, PIPELINE_RESOURCE));
  return dedupeDependencies(rds);
}

/**
 * The `pipelineTask` descriptor: `slsa` → uri/digest of the child's refSource (none without one);
 * `slsa-tekton` → the whole child TaskRun as JSON content. Deliberate difference: the content is the
 * child as supplied (its field order), not Go's struct marshalling of it.
 */
function taskDescriptor(tr: TaskRun, o: ResolvedOptions): ResourceDescriptor[] {
  const rs = tr.status?.provenance?.refSource;
  if (BUILD_TYPE_DETAIL[o.buildType].runDetail) {
    const content = Buffer.from(goMarshal(tr), 'utf8').toString('base64');
    return [{ name: 'pipelineTask', uri: rs?.uri, digest: rs?.digest, content }];
  }
  return rs ? [{ name: 'pipelineTask', uri: rs.uri, digest: rs.digest }] : [];
}

export function pipelineRunDependencies(
  pr: PipelineRun,
  children: readonly TaskRun[],
  o: ResolvedOptions,
  f: ResolveFlags,
): ResourceDescriptor[] {
  const rds = refSource(pr, 'pipeline');
  const executed = executedTaskRuns(pr, children).map((e) => e.run);
  for (const tr of executed) {
    rds.push(...taskDescriptor(tr, o));
    if (f.withStepActions) rds.push(...remoteStepActions(tr));
    rds.push(...images(tr));
  }
  if (o.deepInspection && f.withStepActions) {
    for (const tr of executed) rds.push(...fromMaterials(stepActionInputMaterials(tr), INPUT_RESULT));
  }
  rds.push(...fromMaterials(pipelineInputMaterials(pr, children, o.deepInspection), INPUT_RESULT));
  return dedupeDependencies(rds);
}
