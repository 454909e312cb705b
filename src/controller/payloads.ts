import { describeError } from '../core/errors.ts';
import type { ArtifactsOptions, BuilderOptions } from '../config/types.ts';
import { parseRunObject, type RunObject, type TaskRun } from '../model/index.ts';
import { buildStatement, ociSignables } from '../provenance/index.ts';
import { parseRepository } from '../registry/reference.ts';
import { simpleSigningPayload } from '../signing/index.ts';
import type { ImageTarget } from '../storage/backend.ts';
import { ControllerError } from './errors.ts';
import type { RunDoc } from './ports.ts';

/** Chains' signable types, in processing order (https://github.com/tektoncd/chains/tree/main/pkg/reconciler). */
export type SignableType = 'taskrun' | 'pipelinerun' | 'oci';

/** One payload ready to sign: an in-toto statement about the run, or a simplesigning payload for an image. */
export type SignableItem =
  | {
      type: 'taskrun' | 'pipelinerun';
      shortKey: string;
      format: string;
      payload: Buffer;
      predicateType: string;
      subjects: ImageTarget[];
    }
  | { type: 'oci'; shortKey: string; format: 'simplesigning'; payload: Buffer; image: ImageTarget };

/** Builds the payloads of one signable type for a run (the "build payload" step). */
export interface PayloadBuilder {
  build(type: SignableType, run: RunObject, children: readonly TaskRun[]): SignableItem[];
}

/** Parse a wire document into the run model; INVALID_RUN names what is wrong; guesses are reported to `onWarning`. */
export function parseRunDoc(doc: RunDoc, onWarning?: (message: string) => void): RunObject {
  try {
    return parseRunObject(doc, {
      source: `${doc.kind ?? 'run'} ${doc.metadata?.namespace ?? ''}/${doc.metadata?.name ?? ''}`,
      ...(onWarning ? { onWarning } : {}),
    });
  } catch (e) {
    throw new ControllerError('INVALID_RUN', `malformed run: ${describeError(e)}`, { cause: e });
  }
}

/** Statement subjects that name an OCI image with a sha256 digest (where the `oci` backend can attach). */
function imageSubjects(subjects: { name: string; digest: Record<string, string> }[]): ImageTarget[] {
  const out: ImageTarget[] = [];
  for (const s of subjects) {
    const hex = s.digest.sha256;
    // a URI (`git+https://…`, `pkg:npm/…`), not `host:port/repo` (localhost:5000/app is an image)
    if (!hex || /^[a-z][a-z0-9+.-]*:(?!\d)/i.test(s.name)) continue;
    try {
      parseRepository(s.name);
      out.push({ repository: s.name, digest: `sha256:${hex}` });
    } catch {
      // not an image name (e.g. a git URL or package): nothing to attach in a registry
    }
  }
  return out;
}

/** The Chains payloads: provenance formatters for runs, simplesigning for images found in TaskRun results. */
export class ChainsPayloadBuilder implements PayloadBuilder {
  constructor(private readonly options: () => { artifacts: ArtifactsOptions; builder: BuilderOptions }) {}

  build(type: SignableType, run: RunObject, children: readonly TaskRun[]): SignableItem[] {
    const { artifacts, builder } = this.options();
    if (type === 'oci') {
      return ociSignables(run).map((img) => ({
        type,
        shortKey: img.shortKey,
        format: 'simplesigning' as const,
        payload: simpleSigningPayload(img.repository, img.digest),
        image: { repository: img.repository, digest: img.digest },
      }));
    }
    if (run.kind !== (type === 'taskrun' ? 'TaskRun' : 'PipelineRun')) return [];
    const opts = type === 'taskrun' ? artifacts.taskrun : artifacts.pipelinerun;
    const built = buildStatement(opts.format, run, {
      children,
      builderId: builder.builderId,
      buildType: builder.buildType,
      deepInspection: type === 'pipelinerun' && artifacts.pipelinerun.deepInspection,
    });
    return [
      {
        type,
        shortKey: `${type}-${run.metadata.uid ?? ''}`,
        format: opts.format,
        payload: built.bytes,
        predicateType: built.predicateType,
        subjects: imageSubjects(built.subjects),
      },
    ];
  }
}
