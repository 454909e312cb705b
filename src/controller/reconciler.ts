import { describeError } from '../core/errors.ts';
import type { FilterOptions } from '../config/types.ts';
import { parseRunObject, type TaskRun } from '../model/index.ts';
import { isHandled } from './annotations.ts';
import type { Logger } from './log.ts';
import { silentLogger } from './log.ts';
import { runRefOf, type Orchestrator } from './orchestrator.ts';
import type { RunAccess, RunDoc } from './ports.ts';
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

/** Done: a Succeeded condition that is not Unknown; failed and cancelled runs are attested too (chains.md §7.2). */
export function isDoneDoc(doc: RunDoc): boolean {
  const conditions = (doc.status?.conditions ?? []) as { type?: string; status?: string }[];
  if (!Array.isArray(conditions)) return false;
  const s = conditions.find((c) => c?.type === 'Succeeded')?.status;
  return s === 'True' || s === 'False';
}

const PIPELINE_MANAGER = 'tekton.dev/pipeline';

/**
 * One reconcile per key, as Chains' TaskRun/PipelineRun reconcilers: filters (namespace, `spec.managedBy`), done,
 * already handled (on the cache, then re-fetched), PipelineRun gating on child TaskRuns, then the orchestrator.
 */
export class Reconciler {
  private readonly log: Logger;

  constructor(private readonly deps: ReconcilerDeps) {
    this.log = deps.log ?? silentLogger;
  }

  /** Event filter (chains.md §7.1). */
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
    if (!cached || !this.wants(cached) || !isDoneDoc(cached) || isHandled(cached.metadata.annotations))
      return 'done';
    const ref = runRefOf(cached);
    const latest = await this.deps.runs.latest(ref);
    if (!latest || isHandled(latest.metadata.annotations)) return 'done';
    let children: TaskRun[] = [];
    if (kind === 'PipelineRun') {
      const gate = this.children(latest);
      if (gate.status === 'wait') {
        this.log('debug', 'waiting for child TaskRuns', { run: key, missing: gate.why });
        return 'done'; // a child's change re-enqueues this PipelineRun
      }
      children = gate.children;
    }
    const out = await this.deps.orchestrator.signRun(latest, children);
    return out.status === 'retry' ? 'retry' : 'done';
  }

  /** Every child in `status.childReferences` must be cached, completed and handled (signed true/failed). */
  private children(pr: RunDoc): { status: 'ready'; children: TaskRun[] } | { status: 'wait'; why: string } {
    const ns = pr.metadata.namespace ?? 'default';
    const refs = (pr.status?.childReferences ?? []) as { kind?: string; name?: string }[];
    const children: TaskRun[] = [];
    for (const ref of Array.isArray(refs) ? refs : []) {
      if (ref.kind && ref.kind !== 'TaskRun') continue; // CustomRuns: attest without them (Chains never attests, #1210)
      const child = ref.name ? this.deps.cache.get('TaskRun', ns, ref.name) : undefined;
      if (!child) return { status: 'wait', why: `TaskRun ${ref.name} not found` };
      if (!child.status?.completionTime) return { status: 'wait', why: `TaskRun ${ref.name} not completed` };
      if (!isHandled(child.metadata.annotations))
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
