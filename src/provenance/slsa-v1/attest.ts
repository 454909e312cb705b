import type {
  Param,
  ParamSpec,
  ParamValue,
  PipelineRun,
  Step,
  StepState,
  TaskRun,
} from '../../model/index.ts';
import { utcTime } from '../serialize.ts';

/** Shared pieces of the SLSA v0.2 predicate (formats/slsa/attest/attest.go, https://tekton.dev/docs/chains/slsa-provenance/). */

export const REPRODUCIBLE_LABEL = 'chains.tekton.dev/reproducible';
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** buildConfig step: entryPoint = script, else command joined by spaces; arguments = args (null when absent). */
export function stepAttestation(step: Step | undefined, state: StepState): Record<string, unknown> {
  const entryPoint = step?.script ? step.script : (step?.command ?? []).join(' ');
  return {
    entryPoint,
    arguments: step?.args ?? null,
    environment: {
      image: `oci://${(state.imageID ?? '').replace(/^docker-pullable:\/\//, '')}`,
      container: state.name ?? '',
    },
    annotations: null,
  };
}

/** ProvenanceInvocation: configSource from refSource; defaults overridden by params; filtered annotations + labels. */
export function invocation(
  run: TaskRun | PipelineRun,
  params: readonly Param[],
  specs: readonly ParamSpec[],
): Record<string, unknown> {
  const rs = run.status?.provenance?.refSource;
  const configSource: Record<string, unknown> = {};
  if (rs?.uri) configSource.uri = rs.uri;
  if (rs?.digest && Object.keys(rs.digest).length > 0) configSource.digest = rs.digest;
  if (rs?.entryPoint) configSource.entryPoint = rs.entryPoint;
  const parameters: Record<string, ParamValue> = {};
  for (const p of specs) if (p.default !== undefined) parameters[p.name] = p.default;
  for (const p of params) parameters[p.name] = p.value;
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(run.metadata.annotations ?? {})) {
    if (k === LAST_APPLIED || k.startsWith('chains.tekton.dev/')) continue;
    annotations[k] = v;
  }
  const environment: Record<string, unknown> = {};
  if (Object.keys(annotations).length > 0) environment.annotations = annotations;
  const labels = run.metadata.labels ?? {};
  if (Object.keys(labels).length > 0) environment.labels = labels;
  const inv: Record<string, unknown> = { configSource, parameters };
  if (Object.keys(environment).length > 0) inv.environment = environment;
  return inv;
}

/** ProvenanceMetadata: start/completion in UTC, completeness all false, reproducible from the label. */
export function metadata(run: TaskRun | PipelineRun): Record<string, unknown> {
  const m: Record<string, unknown> = {};
  if (run.status?.startTime) m.buildStartedOn = utcTime(run.status.startTime);
  if (run.status?.completionTime) m.buildFinishedOn = utcTime(run.status.completionTime);
  m.completeness = { parameters: false, environment: false, materials: false };
  m.reproducible = run.metadata.labels?.[REPRODUCIBLE_LABEL] === 'true';
  return m;
}

/** ProvenanceMaterial list as JSON (`materials` omitted when empty; empty uri/digest omitted). */
export function materialsJson(
  mats: readonly { name: string; digest: Record<string, string> }[],
): Record<string, unknown>[] {
  return mats.map((m) => {
    const o: Record<string, unknown> = {};
    if (m.name) o.uri = m.name;
    if (Object.keys(m.digest).length > 0) o.digest = m.digest;
    return o;
  });
}
