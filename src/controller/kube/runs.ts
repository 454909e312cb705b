import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { describeError } from '../../core/errors.ts';
import type { RunRef } from '../../storage/backend.ts';
import type { AnnotationWriter } from '../../storage/tekton/tekton.ts';
import { PREFIX } from '../annotations.ts';
import { ControllerError } from '../errors.ts';
import type { RunAccess, RunDoc } from '../ports.ts';

const plural = (kind: RunRef['kind']): string => (kind === 'PipelineRun' ? 'pipelineruns' : 'taskruns');
const codeOf = (e: unknown): number | undefined => (e as { code?: number }).code;

/**
 * Runs through the API server: `latest` GETs the run (so a run signed meanwhile is not signed twice), and
 * annotations are written with a JSON merge patch carrying `metadata.resourceVersion`, so a concurrent change is
 * a 409 Conflict that is retried on a fresh copy (only `chains.tekton.dev/*` keys are ever written, chains.md §7.3).
 */
export class KubeRuns implements RunAccess, AnnotationWriter {
  private readonly api: CustomObjectsApi;
  conflicts = 0;

  constructor(
    kc: KubeConfig,
    private readonly maxAttempts = 6,
  ) {
    this.api = kc.makeApiClient(CustomObjectsApi);
  }

  async latest(run: RunRef): Promise<RunDoc | undefined> {
    try {
      return (await this.api.getNamespacedCustomObject({
        group: 'tekton.dev',
        version: 'v1',
        namespace: run.namespace,
        plural: plural(run.kind),
        name: run.name,
      })) as RunDoc;
    } catch (e) {
      if (codeOf(e) === 404) return undefined;
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
      const current = await this.latest(run);
      if (!current)
        throw new ControllerError('KUBE_API', `${run.kind} ${run.namespace}/${run.name} no longer exists`);
      if (run.uid && current.metadata.uid && current.metadata.uid !== run.uid)
        throw new ControllerError(
          'KUBE_API',
          `${run.kind} ${run.namespace}/${run.name} was replaced (uid changed)`,
        );
      const body = { metadata: { resourceVersion: current.metadata.resourceVersion, annotations } };
      try {
        await this.api.patchNamespacedCustomObject(
          {
            group: 'tekton.dev',
            version: 'v1',
            namespace: run.namespace,
            plural: plural(run.kind),
            name: run.name,
            body,
          },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        );
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
}
