import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/model/index.ts';
import { artifactTargets, fullRef, ociImages, structuredHints } from '../../src/provenance/index.ts';

/** Expectations transcribed from Chains' pkg/artifacts/signable_test.go (upstream sorts; so do we here). */

const d1 = 'sha256:05f95b26ed10668b7183c1e2da98610e91372fa9f510046d4ce5812addad86b5';
const d2 = 'sha256:05f95b26ed10668b7183c1e2da98610e91372fa9f510046d4ce5812addad86b6';
const d3 = 'sha256:05f95b26ed10668b7183c1e2da98610e91372fa9f510046d4ce5812addad86b7';
const d4 = 'sha256:05f95b26ed10668b7183c1e2da98610e91372fa9f510046d4ce5812addad86b8';
const sha384 = 'sha384:05f95b26ed10668b7183c1e2da98610e91372fa9f510046d4ce5812addad86b893c56eeba9ec70f74c9bfd297d951664';
const sha512 =
  'sha512:05f95b26ed10668b7183c1e2da98610e91372fa9f510046d4ce5812addad86b805f95b26ed10668b7183c1e2da98610e91372fa9f510046d4ce5812addad86b8';
const sha1 = 'sha1:93c56eeba9ec70f74c9bfd297d9516642d366cb5';
const badSha1 = 'sha1:93c56eeba9ec70f74c9bfd297d9516642d366c5';
const badSha512 =
  'sha512:05f95b26ed1066b7183c1e2da98610e91372fa9f510046d4ce5812addad86b805f95b26ed10668b7183c1e2da98610e91372fa9f510046d4ce5812addad86b8';
const badSha384 = 'sha384:0595b26ed10668b7183c1e2da98610e91372fa9f510046d4ce5812addad86b893c56eeba9ec70f74c9bfd297d951664';

const r = (name: string, value: RunResult['value']): RunResult => ({ name, value });
const refs = (results: RunResult[]): string[] => ociImages(results).map(fullRef).sort();
const hub = (repo: string, d: string): string => `index.docker.io/library/${repo}@${d}`;

describe('TestOCIArtifact_ExtractObjects', () => {
  it.each<[string, RunResult[], string[]]>([
    [
      'one result',
      [r('IMAGE_URL', 'gcr.io/foo/bat'), r('IMAGE_DIGEST', 'sha256:05f95b26ed10668b7183c1e2da98610e91372fa9f510046d4ce5812addad86b4')],
      ['gcr.io/foo/bat@sha256:05f95b26ed10668b7183c1e2da98610e91372fa9f510046d4ce5812addad86b4'],
    ],
    [
      'extra',
      [r('IMAGE_URL', 'foo'), r('gibberish', 'baz'), r('SPAM_IMAGE_URL', 'gcr.io/foo/bar'), r('SPAM_IMAGE_DIGEST', d1)],
      [`gcr.io/foo/bar@${d1}`],
    ],
    ['images', [r('IMAGES', `  \n \tgcr.io/foo/bar@${d1}\n,gcr.io/baz/bar@${d2}`)], [`gcr.io/baz/bar@${d2}`, `gcr.io/foo/bar@${d1}`]],
    ['images-newline', [r('IMAGES', `gcr.io/foo/bar@${d1}\ngcr.io/baz/bar@${d2}\n\n`)], [`gcr.io/baz/bar@${d2}`, `gcr.io/foo/bar@${d1}`]],
  ])('%s', (_n, results, want) => expect(refs(results)).toEqual(want.sort()));
});

describe('TestExtractOCIImagesFromResults*', () => {
  it('mixed hints, empty values and a build-artifact output', () => {
    const results = [
      r('img1_IMAGE_URL', 'img1'),
      r('img1_IMAGE_DIGEST', d1),
      r('img2_IMAGE_URL', 'img2'),
      r('img2_IMAGE_DIGEST', d2),
      r('IMAGE_URL', 'img3'),
      r('IMAGE_DIGEST', d1),
      r('img4_IMAGE_URL', 'img4'),
      r('img5_IMAGE_DIGEST', 'sha123:abc'),
      r('empty_str_IMAGE_DIGEST', ''),
      r('empty_str_IMAGE_URL', ''),
      r('art1-ARTIFACT_OUTPUTS', { uri: 'gcr.io/new/image', digest: d2, isBuildArtifact: 'true' }),
    ];
    expect(refs(results)).toEqual([`gcr.io/new/image@${d2}`, hub('img1', d1), hub('img2', d2), hub('img3', d1)].sort());
  });

  it('CrossFormatDedup', () => {
    expect(refs([r('IMAGE_URL', 'img1'), r('IMAGE_DIGEST', d1), r('IMAGES', `img1@${d1}`)])).toEqual([hub('img1', d1)]);
  });

  it('ArtifactOutputsDedup', () => {
    const results = [
      r('IMAGE_URL', 'gcr.io/foo/bar'),
      r('IMAGE_DIGEST', d1),
      r('build-image_ARTIFACT_OUTPUTS', { uri: 'gcr.io/foo/bar', digest: d1, isBuildArtifact: 'true' }),
    ];
    expect(refs(results)).toEqual([`gcr.io/foo/bar@${d1}`]);
  });

  it('DifferentReposSameDigest', () => {
    const results = [
      r('img1_IMAGE_URL', 'gcr.io/project/img1'),
      r('img1_IMAGE_DIGEST', d1),
      r('img2_IMAGE_URL', 'quay.io/project/img2'),
      r('img2_IMAGE_DIGEST', d1),
    ];
    expect(refs(results)).toEqual([`gcr.io/project/img1@${d1}`, `quay.io/project/img2@${d1}`]);
  });
});

describe('TestExtractSignableTargetFromResults', () => {
  it('pairs ARTIFACT_URI/ARTIFACT_DIGEST, dropping a lone digest and a malformed digest', () => {
    const base = 'projects/test-project/locations/us-west4/repositories/test-repo/mavenArtifacts/';
    const results = [
      r('mvn1_ARTIFACT_URI', `${base}com.google.guava:guava:31.0-jre`),
      r('mvn1_ARTIFACT_DIGEST', d1),
      r('mvn1_pom_ARTIFACT_URI', 'com.google.guava:guava:31.0-jre.pom'),
      r('mvn1_pom_ARTIFACT_DIGEST', d2),
      r('mvn1_src_ARTIFACT_URI', 'com.google.guava:guava:31.0-jre-sources.jar'),
      r('mvn1_src_ARTIFACT_DIGEST', d3),
      r('mvn2_ARTIFACT_URI', `${base}a.b.c:d:1.0-jre`),
      r('mvn2_ARTIFACT_DIGEST', d4),
      r('ARTIFACT_URI', `${base}empty_prefix`),
      r('ARTIFACT_DIGEST', d1),
      r('miss_target_name_ARTIFACT_DIGEST', d1),
      r('wrong_digest_format_ARTIFACT_URI', `${base}wrong_digest_format`),
      r('wrong_digest_format_ARTIFACT_DIGEST', 'abc'),
    ];
    const want = [
      { uri: `${base}com.google.guava:guava:31.0-jre`, digest: d1 },
      { uri: 'com.google.guava:guava:31.0-jre.pom', digest: d2 },
      { uri: 'com.google.guava:guava:31.0-jre-sources.jar', digest: d3 },
      { uri: `${base}a.b.c:d:1.0-jre`, digest: d4 },
      { uri: `${base}empty_prefix`, digest: d1 },
    ];
    // Deterministic order: first appearance of each prefix (upstream sorts because its order is random).
    expect(artifactTargets(results)).toEqual(want);
  });
});

describe('TestExtractStructuredTargetFromResults', () => {
  const obj = (uri: string, digest: string, extra: Record<string, string> = {}): Record<string, string> => ({ uri, digest, ...extra });
  const results = [
    r('mvn1_pkg_ARTIFACT_OUTPUTS', obj('projects/x/mavenArtifacts/com.google.guava:guava:31.0-jre', d1, { signable_type: '' })),
    r('mvn1_pom_sha512_ARTIFACT_OUTPUTS', obj('com.google.guava:guava:31.0-jre.pom', d2, { signable_type: '' })),
    r('img1_input_ARTIFACT_INPUTS', obj('gcr.io/foo/bar', d3)),
    r('img2_input_sha1_ARTIFACT_INPUTS', obj('gcr.io/foo/bar', sha1)),
    r('img2_input_incorrect_sha1_ARTIFACT_INPUTS', obj('gcr.io/foo/bar', badSha1)),
    r('img3_input_sha384_ARTIFACT_INPUTS', obj('gcr.io/foo/bar', sha384)),
    r('img3_input_incorrect_sha384_ARTIFACT_INPUTS', obj('gcr.io/foo/bar', badSha384)),
    r('img4_input_sha512_ARTIFACT_INPUTS', obj('gcr.io/foo/bar', sha512)),
    r('img4_input_incorrect_sha512_ARTIFACT_INPUTS', obj('gcr.io/foo/bar', badSha512)),
    r('img2_input_no_digest_ARTIFACT_INPUTS', obj('gcr.io/foo/foo', '')),
  ];

  it('inputs: valid sha256/sha1/sha384/sha512 kept, wrong lengths and empty digests dropped', () => {
    expect(structuredHints(results, 'ARTIFACT_INPUTS')).toEqual([
      { uri: 'gcr.io/foo/bar', digest: d3 },
      { uri: 'gcr.io/foo/bar', digest: sha1 },
      { uri: 'gcr.io/foo/bar', digest: sha384 },
      { uri: 'gcr.io/foo/bar', digest: sha512 },
    ]);
  });

  it('outputs', () => {
    expect(structuredHints(results, 'ARTIFACT_OUTPUTS')).toEqual([
      { uri: 'projects/x/mavenArtifacts/com.google.guava:guava:31.0-jre', digest: d1 },
      { uri: 'com.google.guava:guava:31.0-jre.pom', digest: d2 },
    ]);
  });
});
