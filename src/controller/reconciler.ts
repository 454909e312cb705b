import { describeError } from '../core/errors.ts';
import type { FilterOptions } from '../config/types.ts';
import { parseRunObject, type TaskRun } from '../model/index.ts';
import { isHandled, isOurFinalizer, MAX_RETRIES } from './annotations.ts';
import type { Logger } from './log.ts';
import { silentLogger } from './log.ts';
import { runRefOf, type Orchestrator } from './orchestrator.ts';
import type { RunAccess, RunDoc, RunFinalizers } from './ports.ts';
import type { WorkResult } from './queue.ts';

export type RunKind = 'TaskRun' | 'PipelineRun';

/** Read side of the informer caches (or the run directory in local mode). */
export interface RunCache {
  get(kind: RunKind, namespace: string, name: string): RunDoc | undefined;
}

export interface ReconcilerDeps {
  cache: RunCache;
  runs: RunAccess;
  orchestrator: Orchestrator;
  filter: () => FilterOptions;
  /** `--namespace a,b`: only these (all when empty) */
  namespaces?: string[];
  /** Kubernetes: Chains' finalizers (local mode has none) */
  finalizers?: RunFinalizers;
  log?: Logger;
}

export function keyOf(kind: RunKind, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

export function docKey(doc: RunDoc): string {
  return keyOf(
    doc.kind === 'PipelineRun' ? 'PipelineRun' : 'TaskRun',
    doc.metadata.namespace ?? 'default',
    doc.metadata.name,
  );
}

/** Done: a Succeeded condition that is not Unknown; failed and cancelled runs are attested too (https://github.com/tektoncd/chains/tree/main/pkg/reconciler). */
export function isDoneDoc(doc: RunDoc): boolean {
  const conditions = (doc.status?.conditions ?? []) as { type?: string; status?: string }[];
  if (!Array.isArray(conditions)) return false;
  const s = conditions.find((c) => c?.type === 'Succeeded')?.status;
  return s === 'True' || s === 'False';
}

const PIPELINE_MANAGER = 'tekton.dev/pipeline';

const deleting = (doc: RunDoc): boolean => Boolean(doc.metadata.deletionTimestamp);
const holds = (doc: RunDoc): boolean =>
  (doc.metadata.finalizers ?? []).some((f) =>
    isOurFinalizer(doc.kind === 'PipelineRun' ? 'PipelineRun' : 'TaskRun', f),
  );

type Gate =
  | { status: 'ready'; children: TaskRun[] }
  | { status: 'wait'; why: string }
  /** a child is gone: the PipelineRun can never be signed as Chains signs it (#602, #1210) */
  | { status: 'missing'; why: string };

/**
 * One reconcile per key, as Chains' TaskRun/PipelineRun reconcilers: filters (namespace, `spec.managedBy`), done,
 * already handled (on the cache, then re-fetched), PipelineRun gating on child TaskRuns, then the orchestrator.
 */
export class Reconciler {
  private readonly log: Logger;
  /** consecutive reconcile errors of runs being deleted */
  private readonly failures = new Map<string, number>();

  constructor(private readonly deps: ReconcilerDeps) {
    this.log = deps.log ?? silentLogger;
  }

  /** Event filter (https://github.com/tektoncd/chains/tree/main/pkg/reconciler). */
  wants(doc: RunDoc): boolean {
    const ns = doc.metadata.namespace ?? 'default';
    const namespaces = this.deps.namespaces ?? [];
    if (namespaces.length && !namespaces.includes(ns)) return false;
    const managedBy = doc.spec?.managedBy;
    if (
      typeof managedBy === 'string' &&
      managedBy !== '' &&
      managedBy !== PIPELINE_MANAGER &&
      !this.deps.filter().managedBy.includes(managedBy)
    )
      return false;
    return true;
  }

  /** Keys to enqueue for a changed object: itself, and for a child TaskRun its owning PipelineRun. */
  keysFor(doc: RunDoc): string[] {
    if (!this.wants(doc)) return [];
    const keys = [docKey(doc)];
    const owners = (doc.metadata.ownerReferences ?? []) as { kind?: string; name?: string }[];
    for (const o of Array.isArray(owners) ? owners : [])
      if (o.kind === 'PipelineRun' && o.name)
        keys.push(keyOf('PipelineRun', doc.metadata.namespace ?? 'default', o.name));
    return keys;
  }

  async reconcile(key: string): Promise<WorkResult> {
    const [kind, namespace = '', name = ''] = key.split('/') as [RunKind, string, string];
    const cached = this.deps.cache.get(kind, namespace, name);
    if (!cached) return 'done';
    try {
      const out = await this.reconcileRun(kind, key, cached);
      this.failures.delete(key);
      return out;
    } catch (e) {
      return this.failedWhileDeleting(key, cached, e);
    }
  }

  /**
   * Upstream's FinalizeKind, with the finalizer held only while there is something to sign: filtered, handled
   * and running-while-deleted runs release it; a done run is held, signed, and released by the mark.
   */
  private async reconcileRun(kind: RunKind, key: string, cached: RunDoc): Promise<WorkResult> {
    if (!this.wants(cached) || isHandled(cached.metadata.annotations)) return this.release(cached);
    if (!isDoneDoc(cached)) return deleting(cached) ? this.release(cached) : this.hold(cached);
    let latest = await this.deps.runs.latest(runRefOf(cached));
    if (!latest) return 'done';
    if (isHandled(latest.metadata.annotations)) return this.release(latest);
    // held before a PipelineRun waits on its children too: it must not be pruned while it waits
    if (!deleting(latest) && this.deps.orchestrator.signsKind(kind) && this.deps.finalizers)
      latest = await this.deps.finalizers.hold(latest);
    let children: TaskRun[] = [];
    if (kind === 'PipelineRun') {
      const gate = this.children(latest);
      if (gate.status === 'missing') return this.childGone(key, latest, gate.why);
      if (gate.status !== 'ready') {
        this.log('debug', 'waiting for child TaskRuns', { run: key, missing: gate.why });
        return 'done'; // a child's change re-enqueues this PipelineRun
      }
      children = gate.children;
    }
    const out = await this.deps.orchestrator.signRun(latest, children);
    // nothing to sign: no mark, and no finalizer kept for it
    if (out.status === 'skipped') return this.release(latest);
    return out.status === 'retry' ? 'retry' : 'done';
  }

  /** A child is gone: retried, then `signed=failed` with the reason; a PipelineRun being deleted is released. */
  private async childGone(key: string, pr: RunDoc, why: string): Promise<WorkResult> {
    if (deleting(pr)) {
      this.log('warn', 'run deleted while a child TaskRun is gone: released unsigned', { run: key, why });
      return this.release(pr);
    }
    const out = await this.deps.orchestrator.refuse(pr, `child ${why}: the PipelineRun cannot be attested`);
    return out.status === 'retry' ? 'retry' : 'done';
  }

  private async hold(doc: RunDoc): Promise<WorkResult> {
    const kind = doc.kind === 'PipelineRun' ? 'PipelineRun' : 'TaskRun';
    if (!this.deps.finalizers || holds(doc) || !this.deps.orchestrator.signsKind(kind)) return 'done';
    await this.deps.finalizers.hold(doc);
    return 'done';
  }

  private async release(doc: RunDoc): Promise<WorkResult> {
    if (this.deps.finalizers && holds(doc)) await this.deps.finalizers.release(doc);
    return 'done';
  }

  /**
   * Never block a deletion forever: a run being deleted whose reconcile keeps throwing (API refusals, a webhook)
   * is released after as many attempts as Chains' retry policy allows; others retry with backoff.
   */
  private async failedWhileDeleting(key: string, cached: RunDoc, e: unknown): Promise<WorkResult> {
    if (!this.deps.finalizers || !deleting(cached) || !holds(cached)) throw e;
    const n = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, n);
    if (n <= MAX_RETRIES) throw e;
    this.failures.delete(key);
    this.log('error', 'run deleted and cannot be signed: finalizer released', {
      run: key,
      error: describeError(e),
    });
    await this.deps.finalizers.release(cached);
    return 'done';
  }

  /**
   * Every child in `status.childReferences` must be cached, completed and handled (signed true/failed), unless it
   * has nothing to sign; when the configuration signs nothing for TaskRuns, children are not waited for.
   */
  private children(pr: RunDoc): Gate {
    const ns = pr.metadata.namespace ?? 'default';
    const refs = (pr.status?.childReferences ?? []) as { kind?: string; name?: string }[];
    const wait = this.deps.orchestrator.signsKind('TaskRun');
    const children: TaskRun[] = [];
    for (const ref of Array.isArray(refs) ? refs : []) {
      if (ref.kind && ref.kind !== 'TaskRun') continue; // CustomRuns: attest without them (Chains never attests, #1210)
      const child = ref.name ? this.deps.cache.get('TaskRun', ns, ref.name) : undefined;
      if (!child) {
        if (wait) return { status: 'missing', why: `TaskRun ${ref.name} not found` };
        continue;
      }
      if (wait && !child.status?.completionTime)
        return { status: 'wait', why: `TaskRun ${ref.name} not completed` };
      if (wait && !isHandled(child.metadata.annotations) && this.deps.orchestrator.hasWork(child))
        return { status: 'wait', why: `TaskRun ${ref.name} not yet signed` };
      try {
        children.push(parseRunObject(child, { kind: 'TaskRun' }) as TaskRun);
      } catch (e) {
        this.log('warn', 'unparseable child TaskRun', { child: ref.name, error: describeError(e) });
      }
    }
    return { status: 'ready', children };
  }
}
