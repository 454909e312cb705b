import { executedTaskRuns } from '../model/index.ts';
import type { PipelineRun, RunResult, TaskRun } from '../model/index.ts';
import { ArtifactList, appendArtifacts } from './append.ts';
import type { Artifact } from './append.ts';
import { ProvenanceError } from './errors.ts';
import { HINT, inputMaterials } from './hints.ts';

/** Material rules, https://tekton.dev/docs/chains/slsa-provenance/ (formats/slsa/internal/material). */

const OCI = 'oci://';

/** `docker-pullable://repo@alg:hex` → `{oci://repo, {alg: hex}}`; anything else fails payload creation. */
export function materialFromImageId(imageId: string): Artifact {
  const at = imageId.split('@');
  if (at.length !== 2)
    throw new ProvenanceError('INVALID_IMAGE_ID', `expected imageID ${imageId} to be separable by @`);
  const dig = (at[1] ?? '').split(':');
  if (dig.length !== 2) {
    throw new ProvenanceError('INVALID_IMAGE_ID', `expected imageID ${imageId} to be separable by @ and :`);
  }
  const uri = (at[0] ?? '').replace(/^docker-pullable:\/\//, '');
  return { name: OCI + uri, digest: { [dig[0] ?? '']: dig[1] ?? '' } };
}

export function stepImageMaterials(tr: TaskRun): Artifact[] {
  return appendArtifacts([], ...(tr.status?.steps ?? []).map((s) => materialFromImageId(s.imageID ?? '')));
}

export function sidecarImageMaterials(tr: TaskRun): Artifact[] {
  return appendArtifacts([], ...(tr.status?.sidecars ?? []).map((s) => materialFromImageId(s.imageID ?? '')));
}

/** SPDX-style git URI: `git+` prefix and `.git` suffix added only when missing. */
export function spdxGit(url: string): string {
  let u = url.startsWith('git+') ? url : `git+${url}`;
  if (!u.endsWith('.git')) u += '.git';
  return u;
}

interface GitPair {
  url: string;
  commit: string;
}

/** Scan name/value pairs for the CHAINS-GIT hints; later sources override earlier ones. */
function scanGit(acc: GitPair, entries: readonly { name: string; value: unknown }[]): GitPair {
  const out = { ...acc };
  for (const e of entries) {
    const v = typeof e.value === 'string' ? e.value : '';
    if (e.name === HINT.gitCommit) out.commit = v;
    else if (e.name === HINT.gitUrl) out.url = v;
  }
  return out;
}

function defaults(
  specs: readonly { name: string; default?: unknown }[] | undefined,
): { name: string; value: unknown }[] {
  return (specs ?? [])
    .filter((p) => p.default !== undefined)
    .map((p) => ({ name: p.name, value: p.default }));
}

/** FromTaskParamsAndResults: git pair (defaults < params < results; URL decorated first) then ARTIFACT_INPUTS. */
export function taskInputMaterials(tr: TaskRun): Artifact[] {
  let git = scanGit({ url: '', commit: '' }, defaults(tr.status?.taskSpec?.params));
  git = scanGit(git, tr.spec.params ?? []);
  git = scanGit(git, tr.status?.results ?? []);
  let mats: Artifact[] = [];
  // The TaskRun path decorates the URL before checking it, so a commit alone is enough (https://tekton.dev/docs/chains/slsa-provenance/).
  if (git.commit !== '')
    mats = appendArtifacts(mats, { name: spdxGit(git.url), digest: { sha1: git.commit } });
  return appendArtifacts(mats, ...inputMaterials(tr.status?.results ?? []));
}

/** FromStepActionsResults (v2alpha4): per-step git pair, then ARTIFACT_INPUTS from all step results. */
export function stepActionInputMaterials(tr: TaskRun): Artifact[] {
  let mats: Artifact[] = [];
  const all: RunResult[] = [];
  for (const s of tr.status?.steps ?? []) {
    const git = scanGit({ url: '', commit: '' }, s.results ?? []);
    if (git.commit !== '')
      mats = appendArtifacts(mats, { name: spdxGit(git.url), digest: { sha1: git.commit } });
    all.push(...(s.results ?? []));
  }
  return appendArtifacts(mats, ...inputMaterials(all));
}

/** TaskMaterials: step images, sidecar images, then params/results inputs. */
export function taskMaterials(tr: TaskRun): Artifact[] {
  let mats = appendArtifacts([], ...stepImageMaterials(tr));
  mats = appendArtifacts(mats, ...sidecarImageMaterials(tr));
  return appendArtifacts(mats, ...taskInputMaterials(tr));
}

/** FromPipelineParamsAndResults: PR ARTIFACT_INPUTS, deep-inspected children, then the PR git pair. */
export function pipelineInputMaterials(
  pr: PipelineRun,
  children: readonly TaskRun[],
  deep: boolean,
): Artifact[] {
  const mats = new ArtifactList().add(...inputMaterials(pr.status?.results ?? []));
  if (deep && pr.status?.pipelineSpec) {
    for (const { run } of executedTaskRuns(pr, children)) mats.add(...taskInputMaterials(run));
  }
  let git = scanGit({ url: '', commit: '' }, defaults(pr.status?.pipelineSpec?.params));
  git = scanGit(git, pr.spec.params ?? []);
  git = scanGit(git, pr.status?.results ?? []);
  if (git.commit !== '' && git.url !== '') mats.add({ name: spdxGit(git.url), digest: { sha1: git.commit } });
  return mats.toArray();
}

function refSourceMaterial(run: TaskRun | PipelineRun): Artifact[] {
  const rs = run.status?.provenance?.refSource;
  return rs ? [{ name: rs.uri ?? '', digest: { ...(rs.digest ?? {}) } }] : [];
}

/** PipelineMaterials: PR refSource; per executed child its images and refSource; then pipeline inputs. */
export function pipelineMaterials(pr: PipelineRun, children: readonly TaskRun[], deep: boolean): Artifact[] {
  const mats = new ArtifactList().add(...refSourceMaterial(pr));
  for (const { run } of executedTaskRuns(pr, children)) {
    mats
      .add(...stepImageMaterials(run))
      .add(...sidecarImageMaterials(run))
      .add(...refSourceMaterial(run));
  }
  return mats.add(...pipelineInputMaterials(pr, children, deep)).toArray();
}
