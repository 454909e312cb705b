import { goMarshal } from '../../core/json.ts';
import type { ParamValue, PipelineRun, RunResult, TaskRun } from '../../model/index.ts';
import type { ResolvedOptions } from '../options.ts';
import { BUILD_TYPE_DETAIL, type BuildType } from '../options.ts';
import { descriptor } from '../serialize.ts';
import type { ResourceDescriptor } from '../serialize.ts';

/** SLSA v1.0 predicate pieces shared by v2alpha3 and v2alpha4 (https://tekton.dev/docs/chains/slsa-provenance/). */

type Run = TaskRun | PipelineRun;

/** A run is remote when its taskRef/pipelineRef names a resolver other than Cluster (objects.IsRemote). */
function isRemote(run: Run): boolean {
  const ref = run.kind === 'TaskRun' ? run.spec.taskRef : run.spec.pipelineRef;
  return !!ref?.resolver && ref.resolver !== 'Cluster';
}

/**
 * externalParameters: the complete spec, plus buildConfigSource for remote runs. Deliberate difference:
 * with several digests Chains picks one through a Go map; we take the first listed.
 */
export function externalParameters(run: Run): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const rs = run.status?.provenance?.refSource;
  if (rs && isRemote(run)) {
    const [alg, hex] = Object.entries(rs.digest ?? {})[0] ?? [];
    out.buildConfigSource = {
      ref: alg === undefined ? '' : `${alg}:${hex}`,
      repository: rs.uri ?? '',
      path: rs.entryPoint ?? '',
    };
  }
  out.runSpec = goSpec(run);
  return out;
}

/**
 * The spec as Go's json.Marshal writes its top level: omitempty fields with an empty value ("", [], 0, false,
 * null) are dropped; TaskRunSpec always has `serviceAccountName` and PipelineRunSpec `taskRunTemplate`
 * (no omitempty). Runs read from the API server are already in this shape.
 */
function goSpec(run: Run): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(run.spec)) {
    const empty = v === '' || v === 0 || v === false || v === null || (Array.isArray(v) && v.length === 0);
    if (!empty) out[k] = v;
  }
  if (run.kind === 'TaskRun') out.serviceAccountName = run.spec.serviceAccountName ?? '';
  else out.taskRunTemplate = run.spec.taskRunTemplate ?? {};
  return out;
}

/** internalParameters: feature flags; the slsa-tekton type adds labels and annotations (null when absent). */
export function internalParameters(run: Run, buildType: BuildType): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const flags = run.status?.provenance?.featureFlags;
  if (flags) out['tekton-pipelines-feature-flags'] = flags;
  if (BUILD_TYPE_DETAIL[buildType].runDetail) {
    out.labels = run.metadata.labels ?? null;
    out.annotations = run.metadata.annotations ?? null;
  }
  return out;
}

/** protobuf Timestamp JSON: UTC, fraction only when non-zero (3 digits from Kubernetes times). */
export function timestamp(t: string): string {
  return new Date(t).toISOString().replace(/\.000Z$/, 'Z');
}

export function runMetadata(run: Run): Record<string, unknown> {
  const m: Record<string, unknown> = {};
  if (run.metadata.uid) m.invocationId = run.metadata.uid;
  if (run.status?.startTime) m.startedOn = timestamp(run.status.startTime);
  if (run.status?.completionTime) m.finishedOn = timestamp(run.status.completionTime);
  return m;
}

/** Byproduct content is Go's json.Marshal of the ParamValue (object keys sorted), base64 in JSON. */
export function resultByproduct(name: string, value: ParamValue): ResourceDescriptor {
  const v = typeof value === 'object' && !Array.isArray(value) ? sortedRecord(value) : value;
  return {
    name,
    mediaType: 'application/json',
    content: Buffer.from(goMarshal(v), 'utf8').toString('base64'),
  };
}

function sortedRecord(r: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.keys(r)
      .sort()
      .map((k) => [k, r[k] ?? '']),
  );
}

/** v2alpha4: every result except build artifacts (and broken ARTIFACT_OUTPUTS) and image hints. */
export function nonArtifactResults(results: readonly RunResult[]): RunResult[] {
  return results.filter((r) => {
    if (r.name.endsWith('ARTIFACT_OUTPUTS')) {
      // IsBuildArtifact errors (not an object, or a broken build artifact) and build artifacts are skipped.
      const v = r.value;
      if (typeof v !== 'object' || Array.isArray(v) || v.isBuildArtifact === 'true') return false;
    }
    if (r.name.endsWith('IMAGE_URL') || r.name.endsWith('IMAGE_DIGEST') || r.name === 'IMAGES') return false;
    return true;
  });
}

export interface PredicateParts {
  buildType: BuildType;
  run: Run;
  resolvedDependencies: ResourceDescriptor[];
  byproducts: ResourceDescriptor[];
  options: ResolvedOptions;
}

/** The Provenance message as protojson writes it, before the Struct round trip sorts its keys. */
export function slsaV1Predicate(p: PredicateParts): Record<string, unknown> {
  const bd: Record<string, unknown> = {
    buildType: p.buildType,
    externalParameters: externalParameters(p.run),
    internalParameters: internalParameters(p.run, p.buildType),
  };
  if (p.resolvedDependencies.length > 0) bd.resolvedDependencies = p.resolvedDependencies.map(descriptor);
  const builder: Record<string, unknown> = {};
  if (p.options.builderId) builder.id = p.options.builderId;
  const rd: Record<string, unknown> = { builder, metadata: runMetadata(p.run) };
  if (p.byproducts.length > 0) rd.byproducts = p.byproducts.map(descriptor);
  return { buildDefinition: bd, runDetails: rd };
}
