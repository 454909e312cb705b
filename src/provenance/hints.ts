import type { RunResult } from '../model/index.ts';
import { appendArtifacts } from './append.ts';
import type { Artifact } from './append.ts';
import { isValidHintDigest } from './digest.ts';
import { fullRef, parseDigestReference } from './imageref.ts';
import type { ImageDigestRef } from './imageref.ts';

/** Result-name hints (https://tekton.dev/docs/chains/slsa-provenance/, pkg/artifacts/signable.go). */
export const HINT = {
  imageUrl: 'IMAGE_URL',
  imageDigest: 'IMAGE_DIGEST',
  images: 'IMAGES',
  artifactUri: 'ARTIFACT_URI',
  artifactDigest: 'ARTIFACT_DIGEST',
  artifactOutputs: 'ARTIFACT_OUTPUTS',
  artifactInputs: 'ARTIFACT_INPUTS',
  gitUrl: 'CHAINS-GIT_URL',
  gitCommit: 'CHAINS-GIT_COMMIT',
} as const;

export interface UriDigest {
  uri: string;
  digest: string;
}

function stringValue(r: RunResult): string {
  return typeof r.value === 'string' ? r.value : '';
}

function objectValue(r: RunResult): Record<string, string> | undefined {
  return typeof r.value === 'object' && !Array.isArray(r.value) ? r.value : undefined;
}

/**
 * `<prefix><uriSuffix>` + `<prefix><digestSuffix>` pairs (structuredSignableExtractor). Values trimmed,
 * empty ones ignored. Deliberate difference: pairs come out in order of the prefix's first result, where
 * Chains iterates a Go map (random order).
 */
export function pairedHints(
  results: readonly RunResult[],
  uriSuffix: string,
  digestSuffix: string,
): UriDigest[] {
  const partials = new Map<string, UriDigest>();
  for (const r of results) {
    for (const [suffix, field] of [
      [uriSuffix, 'uri'],
      [digestSuffix, 'digest'],
    ] as const) {
      if (!r.name.endsWith(suffix)) continue;
      const value = stringValue(r).trim();
      if (value === '') continue;
      const marker = r.name.slice(0, r.name.length - suffix.length);
      const p = partials.get(marker) ?? { uri: '', digest: '' };
      p[field] = value;
      partials.set(marker, p);
    }
  }
  return [...partials.values()].filter((p) => p.uri !== '' && p.digest !== '');
}

/** `*ARTIFACT_OUTPUTS` / `*ARTIFACT_INPUTS` object results with non-empty uri and a valid digest. */
export function structuredHints(
  results: readonly RunResult[],
  marker: 'ARTIFACT_INPUTS' | 'ARTIFACT_OUTPUTS',
): UriDigest[] {
  return results.flatMap((r) => {
    if (!r.name.endsWith(marker)) return [];
    const v = objectValue(r);
    if (!v || !v.uri || !v.digest || !isValidHintDigest(v.digest)) return [];
    return [{ uri: v.uri, digest: v.digest }];
  });
}

/** `*ARTIFACT_OUTPUTS` with `isBuildArtifact: "true"` (IsBuildArtifact). */
export function buildArtifactHints(results: readonly RunResult[]): UriDigest[] {
  return results.flatMap((r) => {
    if (!r.name.endsWith(HINT.artifactOutputs)) return [];
    const v = objectValue(r);
    if (!v || v.isBuildArtifact !== 'true' || !v.uri || !v.digest || !isValidHintDigest(v.digest)) return [];
    return [{ uri: v.uri, digest: v.digest }];
  });
}

function tryRef(text: string): ImageDigestRef | undefined {
  try {
    return parseDigestReference(text);
  } catch {
    return undefined; // Chains logs and skips invalid references
  }
}

/**
 * OCI images named in results (ExtractOCIImagesFromResults, https://tekton.dev/docs/chains/slsa-provenance/): IMAGE pairs, then IMAGES,
 * then isBuildArtifact ARTIFACT_OUTPUTS; deduplicated by full reference.
 */
export function ociImages(results: readonly RunResult[]): ImageDigestRef[] {
  const seen = new Set<string>();
  const out: ImageDigestRef[] = [];
  const add = (ref: ImageDigestRef | undefined): void => {
    if (!ref || seen.has(fullRef(ref))) return;
    seen.add(fullRef(ref));
    out.push(ref);
  };
  for (const p of pairedHints(results, HINT.imageUrl, HINT.imageDigest)) add(tryRef(`${p.uri}@${p.digest}`));
  for (const r of results) {
    if (r.name !== HINT.images) continue;
    for (const img of stringValue(r).split(/[\n,]/)) {
      const t = img.trim();
      if (t !== '') add(tryRef(t));
    }
  }
  for (const a of buildArtifactHints(results)) add(tryRef(`${a.uri}@${a.digest}`));
  return out;
}

/** `alg:hex` split at the colon as extract.go does (the raw algorithm text is kept). */
export function splitDigest(d: string): Record<string, string> {
  const [alg = '', hex = ''] = d.split(':');
  return { [alg]: hex };
}

/** ARTIFACT_URI/DIGEST pairs whose digest passes ParseDigest. */
export function artifactTargets(results: readonly RunResult[]): UriDigest[] {
  return pairedHints(results, HINT.artifactUri, HINT.artifactDigest).filter((p) =>
    isValidHintDigest(p.digest),
  );
}

/** Subjects from one run's results for slsa/v1 and v2alpha3 (subjectsFromTektonObject). */
export function subjectsFromResults(results: readonly RunResult[]): Artifact[] {
  let subjects: Artifact[] = [];
  for (const img of ociImages(results)) {
    subjects = appendArtifacts(subjects, { name: img.repository, digest: { sha256: img.digest.slice(7) } });
  }
  for (const t of artifactTargets(results))
    subjects = appendArtifacts(subjects, { name: t.uri, digest: splitDigest(t.digest) });
  for (const s of structuredHints(results, HINT.artifactOutputs)) {
    subjects = appendArtifacts(subjects, { name: s.uri, digest: splitDigest(s.digest) });
  }
  return subjects;
}

/** Subjects from build-artifact hints only, for v2alpha4 (SubjectsFromBuildArtifact). */
export function buildArtifactSubjects(results: readonly RunResult[]): Artifact[] {
  let subjects: Artifact[] = [];
  for (const a of buildArtifactHints(results))
    subjects = appendArtifacts(subjects, { name: a.uri, digest: splitDigest(a.digest) });
  for (const img of ociImages(results)) {
    subjects = appendArtifacts(subjects, { name: img.repository, digest: { sha256: img.digest.slice(7) } });
  }
  return subjects;
}

/** ARTIFACT_INPUTS materials (RetrieveMaterialsFromStructuredResults): digest algorithm lower-cased, parts trimmed. */
export function inputMaterials(results: readonly RunResult[]): Artifact[] {
  return structuredHints(results, HINT.artifactInputs).map((s) => {
    const [alg = '', hex = ''] = s.digest.split(':');
    return { name: s.uri, digest: { [alg.trim().toLowerCase()]: hex.trim() } };
  });
}
