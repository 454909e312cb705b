import { describe, expect, it } from 'vitest';
import { parseRun } from '../../model/index.ts';
import type { TaskRun } from '../../model/index.ts';
import { dedupeDependencies, taskRunDependencies } from '../slsa-v2/resolved.ts';

/** Expectations transcribed from Chains' internal/resolved_dependencies/resolved_dependencies_test.go. */

const GIT_INIT = 'gcr.io/tekton-releases/github.com/tektoncd/pipeline/cmd/git-init';
const GIT_INIT_H = 'b963f6e7a69617db57b685893256f978436277094c21d43b153994acd8a01247';
const BAZEL = 'gcr.io/cloud-marketplace-containers/google/bazel';
const BAZEL_H = '010a1ecd1a8c3610f12039a25b823e3a17bd3e8ae455a53e340dcfdd37a49964';
const SIDECAR = 'gcr.io/tekton-releases/github.com/tektoncd/pipeline/cmd/sidecar-git-init';
const SIDECAR_H = 'a1234f6e7a69617db57b685893256f978436277094c21d43b153994acd8a09567';
const oci = (uri: string, hex: string): unknown => ({ uri: `oci://${uri}`, digest: { sha256: hex } });
const stepResult = { name: 'res1_ARTIFACT_INPUTS', value: { uri: 'https://github.com/tektoncd/pipeline', digest: 'sha1:7f2f46e1b97df36b2b82d1b1d87c81b8b3d21601' } };
const threeSteps = (withResult: boolean): unknown[] => [
  { name: 'git-source-repo-jwqcl', imageID: `${GIT_INIT}@sha256:${GIT_INIT_H}`, ...(withResult ? { results: [stepResult] } : {}) },
  { name: 'git-source-repo-repeat-again-jwqcl', imageID: `${GIT_INIT}@sha256:${GIT_INIT_H}` },
  { name: 'build', imageID: `${BAZEL}@sha256:${BAZEL_H}` },
];
const sidecars = [{ name: 'sidecar-jwqcl', imageID: `${SIDECAR}@sha256:${SIDECAR_H}` }];
const remote = (name: string, image: string, digest: string): unknown => ({
  name,
  imageID: image,
  provenance: { refSource: { uri: 'git+https://github.com/tektoncd/stepactions', digest: { sha256: digest } } },
});

function tr(status: Record<string, unknown>, spec: Record<string, unknown> = {}): TaskRun {
  const run = parseRun({ kind: 'TaskRun', spec, status });
  if (run.kind !== 'TaskRun') throw new Error('kind');
  return run;
}

describe('TestTaskRun (resolved dependencies)', () => {
  it.each<[string, TaskRun, boolean, unknown[]]>([
    [
      'resolvedDependencies from remote task',
      tr({ provenance: { refSource: { uri: 'git+github.com/something.git', digest: { sha1: 'abcdef0123456789' }, entryPoint: 'x.yaml' } } }),
      false,
      [{ name: 'task', uri: 'git+github.com/something.git', digest: { sha1: 'abcdef0123456789' } }],
    ],
    [
      'git resolvedDependencies from taskrun params',
      tr({}, { params: [{ name: 'CHAINS-GIT_COMMIT', value: 'my-commit' }, { name: 'CHAINS-GIT_URL', value: 'github.com/something' }] }),
      false,
      [{ name: 'inputs/result', uri: 'git+github.com/something.git', digest: { sha1: 'my-commit' } }],
    ],
    ['resolvedDependencies from step images', tr({ steps: threeSteps(false) }), false, [oci(GIT_INIT, GIT_INIT_H), oci(BAZEL, BAZEL_H)]],
    [
      'resolvedDependencies from step and sidecar images',
      tr({ steps: threeSteps(true), sidecars }),
      false,
      [oci(GIT_INIT, GIT_INIT_H), oci(BAZEL, BAZEL_H), oci(SIDECAR, SIDECAR_H)],
    ],
    [
      'resolvedDependencies with nested results',
      tr({ steps: threeSteps(true), sidecars }),
      true,
      [
        oci(GIT_INIT, GIT_INIT_H),
        oci(BAZEL, BAZEL_H),
        oci(SIDECAR, SIDECAR_H),
        { name: 'inputs/result', uri: 'https://github.com/tektoncd/pipeline', digest: { sha1: '7f2f46e1b97df36b2b82d1b1d87c81b8b3d21601' } },
      ],
    ],
    [
      'resolvedDependencies from remote StepAction',
      tr({ steps: [remote('remote-build', 'gcr.io/test/build@sha256:aaa111', 'bbb222')] }),
      true,
      [
        oci('gcr.io/test/build', 'aaa111'),
        { name: 'stepAction/remote-build', uri: 'git+https://github.com/tektoncd/stepactions', digest: { sha256: 'bbb222' } },
      ],
    ],
    [
      'local StepAction excluded from resolvedDependencies',
      tr({ steps: [{ name: 'local-step', imageID: 'gcr.io/test/local@sha256:ccc333' }] }),
      true,
      [oci('gcr.io/test/local', 'ccc333')],
    ],
    [
      'multiple remote StepActions produce distinct resolvedDependencies',
      tr({
        steps: [
          remote('git-clone', 'gcr.io/test/git@sha256:aaa111', 'step1digest'),
          remote('build', 'gcr.io/test/build@sha256:bbb222', 'step2digest'),
          { name: 'local-lint', imageID: 'gcr.io/test/lint@sha256:ccc333' },
        ],
      }),
      true,
      [
        oci('gcr.io/test/git', 'aaa111'),
        oci('gcr.io/test/build', 'bbb222'),
        oci('gcr.io/test/lint', 'ccc333'),
        { name: 'stepAction/git-clone', uri: 'git+https://github.com/tektoncd/stepactions', digest: { sha256: 'step1digest' } },
        { name: 'stepAction/build', uri: 'git+https://github.com/tektoncd/stepactions', digest: { sha256: 'step2digest' } },
      ],
    ],
  ])('%s', (_n, run, withStepActions, want) => {
    expect(taskRunDependencies(run, { withStepActions })).toEqual(want);
  });
});

describe('TestRemoveDuplicates', () => {
  const u = `oci://${GIT_INIT}`;
  const a = { uri: u, digest: { sha256: 'aaa' } };
  const b = { uri: u, digest: { sha256: 'bbb' } };
  it.each<[string, unknown[], unknown[]]>([
    ['no duplicates', [a, { uri: `oci://${SIDECAR}`, digest: { sha256: 'aaa' } }], [a, { uri: `oci://${SIDECAR}`, digest: { sha256: 'aaa' } }]],
    ['same uri and digest', [a, { ...a, name: 'inputs/result' }], [a]],
    ['same uri, different digest', [a, b], [a, b]],
    ['same uri, different digest, swapped', [b, a], [b, a]],
    ['task config must be present', [a, { ...a, name: 'task' }], [a, { name: 'task', ...a }]],
    ['pipeline config must be present', [a, { ...a, name: 'pipeline' }], [a, { name: 'pipeline', ...a }]],
    ['stepAction entries are kept', [a, { ...a, name: 'stepAction/x' }], [a, { name: 'stepAction/x', ...a }]],
  ])('%s', (_n, input, want) => {
    expect(dedupeDependencies(input as Parameters<typeof dedupeDependencies>[0])).toEqual(want);
  });
});
