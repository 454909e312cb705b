/** Annotation keys and the retry policy of Chains (pkg/chains/annotations, https://github.com/tektoncd/chains/tree/main/pkg/reconciler). */
export const PREFIX = 'chains.tekton.dev/';
export const SIGNED = `${PREFIX}signed`;
export const RETRIES = `${PREFIX}retries`;
export const TRANSPARENCY = `${PREFIX}transparency`;
export const TRANSPARENCY_UPLOAD = `${PREFIX}transparency-upload`;
/** Beyond Chains (issue #984): why the last attempt failed. */
export const FAILURE_REASON = `${PREFIX}failure-reason`;
export const MAX_RETRIES = 3;

export type Annotations = Readonly<Record<string, string | undefined>>;

/** `signed` is `true` or `failed`: Chains does nothing more for the run. */
export function isHandled(a: Annotations | undefined): boolean {
  const v = a?.[SIGNED];
  return v === 'true' || v === 'failed';
}

/**
 * HandleRetry: no `retries` → "0"; below MAX_RETRIES → +1; otherwise the run is marked `signed=failed`.
 * Returns the annotations to write and whether the run is now terminally failed.
 */
export function nextRetry(
  a: Annotations | undefined,
  reason: string,
): { annotations: Record<string, string>; failed: boolean } {
  const raw = a?.[RETRIES];
  const n = raw === undefined ? undefined : Number.parseInt(raw, 10);
  const reasonText = reason.length > 1024 ? `${reason.slice(0, 1021)}...` : reason;
  if (n === undefined || Number.isNaN(n))
    return { annotations: { [RETRIES]: '0', [FAILURE_REASON]: reasonText }, failed: false };
  if (n < MAX_RETRIES)
    return { annotations: { [RETRIES]: String(n + 1), [FAILURE_REASON]: reasonText }, failed: false };
  return { annotations: { [SIGNED]: 'failed', [FAILURE_REASON]: reasonText }, failed: true };
}

/** The `transparency` value Chains writes: `<url>/api/v1/log/entries?logIndex=<N>`. */
export function transparencyValue(url: string, logIndex: number): string {
  return `${url.replace(/\/+$/, '')}/api/v1/log/entries?logIndex=${logIndex}`;
}

/** Chains' finalizers (pkg/reconciler/{taskrun,pipelinerun}): a run is not deleted before Chains handled it. */
export const TASKRUN_FINALIZER = `${PREFIX}taskrun`;
export const PIPELINERUN_FINALIZER = `${PREFIX}pipelinerun`;
/** The finalizer older Chains releases put on TaskRuns; released like ours (upstream's migration does too). */
export const LEGACY_FINALIZER = 'chains.tekton.dev';

export function finalizerFor(kind: 'TaskRun' | 'PipelineRun'): string {
  return kind === 'PipelineRun' ? PIPELINERUN_FINALIZER : TASKRUN_FINALIZER;
}

/** Ours: the kind's finalizer, and the legacy one on TaskRuns. */
export function isOurFinalizer(kind: 'TaskRun' | 'PipelineRun', f: string): boolean {
  return f === finalizerFor(kind) || (kind === 'TaskRun' && f === LEGACY_FINALIZER);
}
