import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { describeError } from '../../core/errors.ts';
import type { RunRef } from '../../storage/backend.ts';
import type { AnnotationWriter } from '../../storage/tekton/tekton.ts';
import { finalizerFor, isHandled, isOurFinalizer, PREFIX } from '../annotations.ts';
import { ControllerError } from '../errors.ts';
import type { RunAccess, RunDoc, RunFinalizers } from '../ports.ts';
import { runRefOf } from '../requests.ts';

const plural = (kind: RunRef['kind']): string => (kind === 'PipelineRun' ? 'pipelineruns' : 'taskruns');
const codeOf = (e: unknown): number | undefined => (e as { code?: number }).code;
const keyOf = (run: RunRef): string => `${run.kind}/${run.namespace}/${run.name}`;

const ours = (kind: RunRef['kind'], doc: RunDoc): boolean =>
  (doc.metadata.finalizers ?? []).some((f) => isOurFinalizer(kind, f));
const without = (kind: RunRef['kind'], doc: RunDoc): string[] =>
  (doc.metadata.finalizers ?? []).filter((f) => !isOurFinalizer(kind, f));

/**
 * Runs through the API server: `latest` GETs the run (so a run signed meanwhile is not signed twice), and
 * annotations are written with a JSON merge patch carrying `metadata.resourceVersion`, so a concurrent change is
 * a 409 Conflict that is retried on a fresh copy (only `chains.tekton.dev/*` keys are ever written, https://github.com/tektoncd/chains/tree/main/pkg/reconciler).
 * Finalizers travel the same way (a merge patch replaces the whole list, so the resourceVersion guards the
 * others'); the write that marks a run `signed=true|failed` also drops our finalizer, in the same request.
 */
export class KubeRuns implements RunAccess, AnnotationWriter, RunFinalizers {
  private readonly api: CustomObjectsApi;
  /**
   * The metadata of each run as our last GET or patch returned it: an annotation write starts from it instead of
   * a fresh GET (a stale copy is a 409 and the retry GETs). Bounded; only what the write needs is kept.
   */
  private readonly known = new Map<
    string,
    Pick<RunDoc['metadata'], 'uid' | 'resourceVersion' | 'finalizers'>
  >();
  conflicts = 0;

  constructor(
    kc: KubeConfig,
    private readonly maxAttempts = 6,
  ) {
    this.api = kc.makeApiClient(CustomObjectsApi);
  }

  async latest(run: RunRef): Promise<RunDoc | undefined> {
    try {
      return this.remember(
        run,
        (await this.api.getNamespacedCustomObject({
          group: 'tekton.dev',
          version: 'v1',
          namespace: run.namespace,
          plural: plural(run.kind),
          name: run.name,
        })) as RunDoc,
      );
    } catch (e) {
      if (codeOf(e) === 404) {
        this.known.delete(keyOf(run));
        return undefined;
      }
      throw new ControllerError(
        'KUBE_API',
        `getting ${run.kind} ${run.namespace}/${run.name}: ${describeError(e)}`,
        { cause: e },
      );
    }
  }

  async writeAnnotations(run: RunRef, annotations: Record<string, string | null>): Promise<void> {
    const bad = Object.keys(annotations).find((k) => !k.startsWith(PREFIX));
    if (bad)
      throw new ControllerError(
        'KUBE_API',
        `refusing to write annotation "${bad}": only ${PREFIX}* keys are written`,
      );
    for (let attempt = 1; ; attempt++) {
      const current = (attempt === 1 && this.knownCopy(run)) || (await this.latest(run));
      if (!current)
        throw new ControllerError('KUBE_API', `${run.kind} ${run.namespace}/${run.name} no longer exists`);
      if (run.uid && current.metadata.uid && current.metadata.uid !== run.uid)
        throw new ControllerError(
          'KUBE_API',
          `${run.kind} ${run.namespace}/${run.name} was replaced (uid changed)`,
        );
      const metadata: Record<string, unknown> = {
        resourceVersion: current.metadata.resourceVersion,
        annotations,
      };
      if (isHandled(annotations as Record<string, string>) && ours(run.kind, current))
        metadata.finalizers = without(run.kind, current);
      try {
        await this.patch(run, { metadata });
        return;
      } catch (e) {
        if (codeOf(e) === 409 && attempt < this.maxAttempts) {
          this.conflicts++;
          await new Promise((r) => setTimeout(r, 10 * 2 ** attempt));
          continue;
        }
        throw new ControllerError(
          'KUBE_API',
          `patching annotations of ${run.kind} ${run.namespace}/${run.name}: ${describeError(e)}`,
          { cause: e },
        );
      }
    }
  }

  async hold(doc: RunDoc): Promise<RunDoc> {
    const run = runRefOf(doc);
    const name = finalizerFor(run.kind);
    const next = await this.finalizers(doc, (cur) =>
      cur.metadata.deletionTimestamp || (cur.metadata.finalizers ?? []).includes(name)
        ? undefined
        : [...(cur.metadata.finalizers ?? []), name],
    );
    return next ?? doc;
  }

  async release(doc: RunDoc): Promise<void> {
    const run = runRefOf(doc);
    await this.finalizers(doc, (cur) => (ours(run.kind, cur) ? without(run.kind, cur) : undefined));
  }

  /** Patch `metadata.finalizers` to `change(current)` (undefined: nothing to do), retrying conflicts on a fresh copy. */
  private async finalizers(
    doc: RunDoc,
    change: (cur: RunDoc) => string[] | undefined,
  ): Promise<RunDoc | undefined> {
    const run = runRefOf(doc);
    let cur: RunDoc | undefined = doc;
    for (let attempt = 1; cur; attempt++) {
      const finalizers = change(cur);
      if (!finalizers) return cur;
      const metadata = { resourceVersion: cur.metadata.resourceVersion, finalizers };
      try {
        return await this.patch(run, { metadata });
      } catch (e) {
        const code = codeOf(e);
        if (code === 404) return undefined;
        if (code !== 409 || attempt >= this.maxAttempts)
          throw new ControllerError(
            'KUBE_API',
            `patching finalizers of ${run.kind} ${run.namespace}/${run.name}: ${describeError(e)}`,
            { cause: e },
          );
        this.conflicts++;
        cur = await this.latest(run);
      }
    }
    return undefined;
  }

  private async patch(run: RunRef, body: object): Promise<RunDoc> {
    const out = (await this.api.patchNamespacedCustomObject(
      {
        group: 'tekton.dev',
        version: 'v1',
        namespace: run.namespace,
        plural: plural(run.kind),
        name: run.name,
        body,
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )) as RunDoc;
    return this.remember(run, out);
  }

  private remember(run: RunRef, doc: RunDoc): RunDoc {
    const k = keyOf(run);
    const { uid, resourceVersion, finalizers } = doc.metadata ?? {};
    if (!resourceVersion) return doc;
    this.known.delete(k);
    this.known.set(k, { uid, resourceVersion, ...(finalizers ? { finalizers } : {}) });
    if (this.known.size > 4096) this.known.delete(this.known.keys().next().value ?? '');
    return doc;
  }

  /** What an annotation write needs of the run, from our last GET or patch (same uid only). */
  private knownCopy(run: RunRef): RunDoc | undefined {
    const m = this.known.get(keyOf(run));
    if (!m || (run.uid && m.uid !== run.uid)) return undefined;
    return { metadata: { name: run.name, namespace: run.namespace, ...m } };
  }
}
