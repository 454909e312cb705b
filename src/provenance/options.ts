import type { Clock } from '../core/clock.ts';
import type { TaskRun } from '../model/index.ts';

/** SLSA v1.0 build types Chains supports (`builddefinition.buildtype`). */
export const SLSA_BUILD_TYPE = 'https://tekton.dev/chains/v2/slsa';
export const TEKTON_BUILD_TYPE = 'https://tekton.dev/chains/v2/slsa-tekton';
/** Every build type, the default first; config and CLI choices derive from it. */
export const BUILD_TYPES = [SLSA_BUILD_TYPE, TEKTON_BUILD_TYPE] as const;
export type BuildType = (typeof BUILD_TYPES)[number];

/**
 * What each build type records beyond the SLSA base: `runDetail` (slsa-tekton) adds the run's labels and
 * annotations to internalParameters and each child TaskRun whole to a PipelineRun's resolvedDependencies. One
 * entry per build type, so a type added to BUILD_TYPES does not compile until it says what it records.
 */
export const BUILD_TYPE_DETAIL = {
  [SLSA_BUILD_TYPE]: { runDetail: false },
  [TEKTON_BUILD_TYPE]: { runDetail: true },
} as const satisfies Readonly<Record<BuildType, { runDetail: boolean }>>;

/** Chains' default `builder.id`. */
export const DEFAULT_BUILDER_ID = 'https://tekton.dev/chains/v2';

/** Everything a formatter needs beyond the run: no globals (https://tekton.dev/docs/chains/config/ keys in brackets). */
export interface FormatOptions {
  /** Child TaskRuns of a PipelineRun, as the controller lists them. */
  children?: readonly TaskRun[];
  /** [builder.id] */
  builderId?: string;
  /** [builddefinition.buildtype], v2alpha3/4 only. */
  buildType?: BuildType;
  /** [artifacts.pipelinerun.enable-deep-inspection] */
  deepInspection?: boolean;
  /** Injected time source. The Chains formats take every time from the run, so it is currently unused. */
  clock?: Clock;
}

export interface ResolvedOptions {
  children: readonly TaskRun[];
  builderId: string;
  buildType: BuildType;
  deepInspection: boolean;
}

export function resolveOptions(o: FormatOptions): ResolvedOptions {
  return {
    children: o.children ?? [],
    builderId: o.builderId ?? DEFAULT_BUILDER_ID,
    buildType: o.buildType ?? SLSA_BUILD_TYPE,
    deepInspection: o.deepInspection ?? false,
  };
}
