import { runResults } from '../model/index.ts';
import type { RunObject, TaskRun } from '../model/index.ts';
import type { Artifact } from './append.ts';
import { ociImages } from './hints.ts';
import { fullRef } from './imageref.ts';
import type { ImageDigestRef } from './imageref.ts';
import { pipelineMaterials, taskMaterials } from './materials.ts';
import { subjectDigests } from './subjects.ts';

/** An OCI image Chains signs with simplesigning and attaches attestations to (https://tekton.dev/docs/chains/slsa-provenance/). */
export interface OciImage {
  /** Normalised repository, e.g. `index.docker.io/library/busybox`. */
  repository: string;
  /** `sha256:<hex>`. */
  digest: string;
  /** FullKey: `repo@sha256:…`. */
  fullRef: string;
  /** ShortKey: first 12 hex characters of the digest. */
  shortKey: string;
}

export interface DiscoveredArtifacts {
  subjects: Artifact[];
  images: OciImage[];
  materials: Artifact[];
}

function toOciImage(r: ImageDigestRef): OciImage {
  return { repository: r.repository, digest: r.digest, fullRef: fullRef(r), shortKey: r.digest.slice(7, 19) };
}

/**
 * Images to sign with simplesigning (ExtractOCIImagesFromResults on TaskRun results).
 * PipelineRuns get none: Chains' SupportsOCIArtifact is false for them (https://tekton.dev/docs/chains/slsa-provenance/).
 */
export function ociSignables(run: RunObject): OciImage[] {
  return run.kind === 'TaskRun' ? ociImages(runResults(run)).map(toOciImage) : [];
}

/** Subjects (slsa/v1 rules), OCI signables and materials (slsa/v1 rules) found in a run. */
export function discoverArtifacts(
  run: RunObject,
  children: readonly TaskRun[] = [],
  opts: { deepInspection?: boolean } = {},
): DiscoveredArtifacts {
  const deep = opts.deepInspection ?? false;
  return {
    subjects: subjectDigests(run, children, deep),
    images: ociSignables(run),
    materials: run.kind === 'TaskRun' ? taskMaterials(run) : pipelineMaterials(run, children, deep),
  };
}
