import type { TaskRun } from '../../model/index.ts';
import { taskMaterials } from '../materials.ts';
import { invocation, materialsJson, metadata, stepAttestation } from './attest.ts';

/** buildConfig.steps: one per status step, matched by name to status.taskSpec.steps. */
export function taskBuildConfig(tr: TaskRun): Record<string, unknown> {
  const specSteps = tr.status?.taskSpec?.steps ?? [];
  const steps = (tr.status?.steps ?? []).map((state) =>
    stepAttestation(
      specSteps.find((s) => (s.name ?? '') === (state.name ?? '')),
      state,
    ),
  );
  return { steps };
}

/** SLSA v0.2 predicate for a TaskRun (formats/slsa/v1/taskrun, https://tekton.dev/docs/chains/slsa-provenance/). */
export function taskRunPredicateV02(tr: TaskRun, builderId: string): Record<string, unknown> {
  const mats = taskMaterials(tr);
  const p: Record<string, unknown> = {
    builder: { id: builderId },
    buildType: 'tekton.dev/v1/TaskRun',
    invocation: invocation(tr, tr.spec.params ?? [], tr.status?.taskSpec?.params ?? []),
    buildConfig: taskBuildConfig(tr),
    metadata: metadata(tr),
  };
  if (mats.length > 0) p.materials = materialsJson(mats);
  return p;
}
