import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../model/index.ts';
import { parseRun, parseTaskRuns } from '../../model/index.ts';
import {
  artifactTargets,
  buildArtifactSubjects,
  buildStatement,
  fullRef,
  ociImages,
  structuredHints,
} from '../index.ts';

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

/** Expectations transcribed from Chains' pkg/chains/formats/slsa/extract/extract_test.go. */
describe('extract_test.go', () => {
  const U1 = 'gcr.io/test/kaniko-chains1';
  const H1 = 'a2e500bebfe16cf12fc56316ba72c645e1d29054541dc1ab6c286197434170a9';
  const U2 = 'us-central1-maven.pkg.dev/test/java';
  const H2 = 'b2e500bebfe16cf12fc56316ba72c645e1d29054541dc1ab6c286197434170a9';
  const pairs = (m: [string, string][], offset = 0): RunResult[] =>
    m.flatMap(([url, digest], i) => [r(`${i + offset}_IMAGE_DIGEST`, digest), r(`${i + offset}_IMAGE_URL`, url)]);
  const sortSubjects = (s: { name: string; digest: Record<string, string> }[]): unknown[] =>
    [...s].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  const done = [{ type: 'Succeeded', status: 'True' }];

  it.each<[string, [string, string][], unknown[]]>([
    [
      'valid type hinting result fields',
      [
        [U1, `sha256:${H1}`],
        [U2, `sha256:${H2}`],
      ],
      [
        { name: U1, digest: { sha256: H1 } },
        { name: U2, digest: { sha256: H2 } },
      ],
    ],
    [
      'invalid/missing digest algorithm name',
      [
        [U1, `sha1:${H1}`],
        [U2, H2],
      ],
      [],
    ],
    ['invalid digest sha', [[U1, 'sha256:a123']], []],
    ['invalid url value', [['', `sha256:${H1}`]], []],
  ])('TestSubjectDigests: %s (TaskRun and PipelineRun)', (_n, m, want) => {
    for (const kind of ['TaskRun', 'PipelineRun'] as const) {
      const run = parseRun({ kind, status: { conditions: done, results: pairs(m) } });
      expect(sortSubjects(buildStatement('slsa/v1', run).subjects)).toEqual(want);
    }
  });

  function proWithChildren(prResults: [string, string][], childArtifacts: [string, string][]): {
    run: ReturnType<typeof parseRun>;
    children: ReturnType<typeof parseTaskRuns>;
  } {
    const tasks = childArtifacts.map((_a, i) => ({ name: `task-${i}` }));
    const children = childArtifacts.map(([uri, digest], i) => ({
      kind: 'TaskRun',
      metadata: { labels: { 'tekton.dev/pipelineTask': `task-${i}` } },
      status: { completionTime: '1995-12-24T06:12:12Z', results: pairs([[uri, digest]], i) },
    }));
    const run = parseRun({ kind: 'PipelineRun', status: { conditions: done, results: pairs(prResults), pipelineSpec: { tasks } } });
    return { run, children: parseTaskRuns(children) };
  }

  it.each<[string, [string, string][], [string, string][], boolean, unknown[]]>([
    ['deep inspection disabled', [[U1, `sha256:${H1}`]], [], false, [{ name: U1, digest: { sha256: H1 } }]],
    ['deep inspection enabled: no duplication', [], [[U2, `sha256:${H2}`]], true, [{ name: U2, digest: { sha256: H2 } }]],
    [
      'deep inspection enabled: 2 tasks have same uri with different sha256 digests',
      [],
      [
        [U2, `sha256:${H1}`],
        [U2, `sha256:${H2}`],
      ],
      true,
      [
        { name: U2, digest: { sha256: H1 } },
        { name: U2, digest: { sha256: H2 } },
      ],
    ],
    [
      'deep inspection enabled: 2 taskruns have same uri with same sha256 digests',
      [],
      [
        [U2, `sha256:${H2}`],
        [U2, `sha256:${H2}`],
      ],
      true,
      [{ name: U2, digest: { sha256: H2 } }],
    ],
    [
      'deep inspection enabled: pipelinerun and taskrun have duplicated results',
      [[U1, `sha256:${H1}`]],
      [[U1, `sha256:${H1}`]],
      true,
      [{ name: U1, digest: { sha256: H1 } }],
    ],
    [
      'deep inspection enabled: pipelinerun and taskrun have different results (children first)',
      [[U1, `sha256:${H1}`]],
      [[U2, `sha256:${H2}`]],
      true,
      [
        { name: U2, digest: { sha256: H2 } },
        { name: U1, digest: { sha256: H1 } },
      ],
    ],
  ])('TestPipelineRunObserveModeForSubjects: %s', (_n, pr, kids, deep, want) => {
    const { run, children } = proWithChildren(pr, kids);
    for (const format of ['slsa/v1', 'slsa/v2alpha3'] as const) {
      expect(buildStatement(format, run, { children, deepInspection: deep }).subjects).toEqual(want);
    }
  });

  it.each<[string, RunResult[], unknown[]]>([
    [
      'no type-hinted build artifacts',
      [
        r('result2_ARTIFACT_URL', 'gcr.io/test/img4'),
        r('result2_ARTIFACT_DIGEST', 'sha256:jh5f72309sf937b16a914eea7cb81ebaa8f2b0a13833797acd26dty46529ihm'),
        r('result3_ARTIFACT_OUTPUTS', { uri: 'gcr.io/img5', digest: 'sha256:7492314e32aa75ff1f2cfea35b7dda85d8831929d076aab52420c3400c8c65d8' }),
      ],
      [],
    ],
    [
      'type-hinted build artifacts',
      [
        r('result1_IMAGE_URL', 'gcr.io/test/img1'),
        r('result1_IMAGE_DIGEST', 'sha256:52e18b100a8da6e191a1955913ba127b75a8b38146cd9b0f573ec1d8e8ecd135'),
        r(
          'IMAGES',
          'gcr.io/test/img2@sha256:2996854378975c2f8011ddf0526975d1aaf1790b404da7aad4bf25293055bc8b, gcr.io/test/img3@sha256:ef334b5d9704da9b325ed6d4e3e5327863847e2da6d43f81831fd1decbdb2213',
        ),
        r('result2_ARTIFACT_OUTPUTS', {
          uri: 'gcr.io/test/img4',
          digest: 'sha256:910700c5ace59f70588c4e2a38ed131146c9f65c94379dfe12376075fc2f338f',
          isBuildArtifact: 'true',
        }),
        r('result3_ARTIFACT_OUTPUTS', {
          uri: 'gcr.io/test/img5',
          digest: 'sha256:7492314e32aa75ff1f2cfea35b7dda85d8831929d076aab52420c3400c8c65d8',
          isBuildArtifact: 'true',
        }),
      ],
      [
        ['gcr.io/test/img4', '910700c5ace59f70588c4e2a38ed131146c9f65c94379dfe12376075fc2f338f'],
        ['gcr.io/test/img5', '7492314e32aa75ff1f2cfea35b7dda85d8831929d076aab52420c3400c8c65d8'],
        ['gcr.io/test/img1', '52e18b100a8da6e191a1955913ba127b75a8b38146cd9b0f573ec1d8e8ecd135'],
        ['gcr.io/test/img2', '2996854378975c2f8011ddf0526975d1aaf1790b404da7aad4bf25293055bc8b'],
        ['gcr.io/test/img3', 'ef334b5d9704da9b325ed6d4e3e5327863847e2da6d43f81831fd1decbdb2213'],
      ].map(([name, hex]) => ({ name, digest: { sha256: hex } })),
    ],
    [
      'no repeated type-hinted build artifacts',
      [
        r('result1_ARTIFACT_OUTPUTS', {
          uri: 'gcr.io/test/img1',
          digest: 'sha256:8b7b3e8b124f937b16a914eea7cb81ebaa8f2b0a13833797acd26d67edf4e056',
          isBuildArtifact: 'true',
        }),
        r('result2_ARTIFACT_OUTPUTS', {
          uri: 'gcr.io/test/img1',
          digest: 'sha256:8b7b3e8b124f937b16a914eea7cb81ebaa8f2b0a13833797acd26d67edf4e056',
          isBuildArtifact: 'true',
        }),
        r('IMAGES', 'gcr.io/test/img1@sha256:8b7b3e8b124f937b16a914eea7cb81ebaa8f2b0a13833797acd26d67edf4e056'),
      ],
      [{ name: 'gcr.io/test/img1', digest: { sha256: '8b7b3e8b124f937b16a914eea7cb81ebaa8f2b0a13833797acd26d67edf4e056' } }],
    ],
    [
      'malformed digests',
      [
        r('result1_IMAGE_URL', 'gcr.io/test/img1'),
        r('result1_IMAGE_DIGEST', 'sha256@52e18b100a8da6e191a1955913ba127b75a8b38146cd9b0f573ec1d8e8ecd135'),
        r('IMAGES', 'gcr.io/test/img2@sha256@2996854378975c2f8011ddf0526975d1aaf1790b404da7aad4bf25293055bc8b'),
        r('result2_ARTIFACT_OUTPUTS', {
          uri: 'gcr.io/test/img5',
          digest: 'sha256@7492314e32aa75ff1f2cfea35b7dda85d8831929d076aab52420c3400c8c65d8',
          isBuildArtifact: 'true',
        }),
      ],
      [],
    ],
  ])('TestSubjectsFromBuildArtifact: %s', (_n, results, want) => {
    expect(buildArtifactSubjects(results)).toEqual(want);
  });
});
