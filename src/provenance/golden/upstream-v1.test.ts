import { describe, expect, it } from 'vitest';
import { parseRun } from '../../model/index.ts';
import { buildStatement, sortedValue } from '../index.ts';
import { TESTDATA, loadChildren, loadRun } from './cases.ts';

/**
 * Expectations transcribed from Chains' unit tests, pkg/chains/formats/slsa/v1/intotoite6_test.go
 * (TestTaskRunCreatePayload1/2, TestMultipleSubjects, TestPipelineRunCreatePayload, …ChildRefs).
 * Our statement must agree field for field.
 */

const D = `${TESTDATA}/pipeline-v1`;
const START = '2021-03-29T09:50:00Z';
const END = '2021-03-29T09:50:15Z';
const H1 = 'd4b63d3e24d6eef04a6dc0795cf8a73470688803d97c52cffa3c8d4efd3397b6';
const H2 = '4d6dd704ef58cb214dd826519929e92a978a57cdee43693006139c0080fd6fac';
const H3 = 'f1a8b8549c179f41e27ff3db0fe1a1793e4b109da46586501a8343637b1d0478';
const IMG = '827521c857fdcd4374f4da5442fbae2edb01e7fbae285c3ec15673d4c1daecb7';
const oci = (repo: string, hex: string): { uri: string; digest: Record<string, string> } => ({
  uri: `oci://${repo}`,
  digest: { sha256: hex },
});
const step = (container: string, image: string, entryPoint = ''): Record<string, unknown> => ({
  entryPoint,
  arguments: null,
  environment: { container, image: `oci://${image}` },
  annotations: null,
});
const meta = (start?: string, end?: string): Record<string, unknown> => ({
  ...(start ? { buildStartedOn: start } : {}),
  ...(end ? { buildFinishedOn: end } : {}),
  completeness: { parameters: false, environment: false, materials: false },
  reproducible: false,
});

function statement(subject: unknown[] | undefined, predicate: Record<string, unknown>): unknown {
  return {
    _type: 'https://in-toto.io/Statement/v0.1',
    ...(subject ? { subject } : {}),
    predicateType: 'https://slsa.dev/provenance/v0.2',
    predicate: sortedValue(predicate),
  };
}

const buildSteps = [
  step('step1', `gcr.io/test1/test1@sha256:${H1}`),
  step('step2', `gcr.io/test2/test2@sha256:${H2}`),
  step('step3', `gcr.io/test3/test3@sha256:${H3}`),
];

const gitCloneInvocation = {
  configSource: { uri: 'github.com/catalog', digest: { sha1: 'x123' }, entryPoint: 'git-clone.yaml' },
  parameters: {
    'CHAINS-GIT_COMMIT': 'sha:taskdefault',
    'CHAINS-GIT_URL': 'https://git.test.com',
    revision: '',
    url: 'https://git.test.com',
  },
  environment: { labels: { 'tekton.dev/pipelineTask': 'git-clone' } },
};

const buildInvocation = {
  configSource: { uri: 'github.com/test', digest: { sha1: 'ab123' }, entryPoint: 'build.yaml' },
  parameters: { 'CHAINS-GIT_COMMIT': 'sha:taskrun', 'CHAINS-GIT_URL': 'https://git.test.com', IMAGE: 'test.io/test/image' },
  environment: { labels: { 'tekton.dev/pipelineTask': 'build' } },
};

/** getBuildPipelineRun() */
const pipelineBuildConfig = {
  tasks: [
    {
      name: 'git-clone',
      ref: { name: 'git-clone', kind: 'ClusterTask' },
      startedOn: START,
      finishedOn: END,
      serviceAccountName: 'pipeline',
      status: 'Succeeded',
      steps: [step('step1', `gcr.io/test1/test1@sha256:${H1}`, 'git clone')],
      invocation: gitCloneInvocation,
      results: [
        { name: 'some-uri_DIGEST', value: `sha256:${H1}` },
        { name: 'some-uri', value: 'pkg:deb/debian/curl@7.50.3-1' },
      ],
    },
    {
      name: 'build',
      after: ['git-clone'],
      ref: { name: 'build', kind: 'ClusterTask' },
      startedOn: START,
      finishedOn: END,
      serviceAccountName: 'pipeline',
      status: 'Succeeded',
      steps: buildSteps,
      invocation: buildInvocation,
      results: [
        { name: 'IMAGE_DIGEST', value: `sha256:${IMG}` },
        { name: 'IMAGE_URL', value: 'gcr.io/my/image' },
      ],
    },
  ],
};

describe('slsa/v1 agrees with Chains intotoite6_test.go', () => {
  it('TestTaskRunCreatePayload1', () => {
    const got = buildStatement('slsa/v1', loadRun(`${D}/taskrun1.json`), { builderId: 'test_builder-1' });
    expect(got.statement).toEqual(
      statement([{ name: 'gcr.io/my/image', digest: { sha256: IMG } }], {
        builder: { id: 'test_builder-1' },
        buildType: 'tekton.dev/v1/TaskRun',
        invocation: buildInvocation,
        buildConfig: { steps: buildSteps },
        metadata: meta(START, END),
        materials: [
          oci('gcr.io/test1/test1', H1),
          oci('gcr.io/test2/test2', H2),
          oci('gcr.io/test3/test3', H3),
          { uri: 'git+https://git.test.com.git', digest: { sha1: 'sha:taskrun' } },
        ],
      }),
    );
  });

  it('TestTaskRunCreatePayload2 (no subjects: the subject field is absent)', () => {
    const got = buildStatement('slsa/v1', loadRun(`${D}/taskrun2.json`), { builderId: 'test_builder-2' });
    expect(got.statement).toEqual(
      statement(undefined, {
        builder: { id: 'test_builder-2' },
        buildType: 'tekton.dev/v1/TaskRun',
        invocation: gitCloneInvocation,
        buildConfig: { steps: [step('step1', `gcr.io/test1/test1@sha256:${H1}`, 'git clone')] },
        metadata: meta(START, END),
        materials: [
          oci('gcr.io/test1/test1', H1),
          { uri: 'git+https://git.test.com.git', digest: { sha1: 'sha:taskdefault' } },
        ],
      }),
    );
  });

  it('TestMultipleSubjects', () => {
    const got = buildStatement('slsa/v1', loadRun(`${D}/taskrun-multiple-subjects.json`), {
      builderId: 'test_builder-multiple',
    });
    expect(got.statement).toEqual(
      statement(
        [
          { name: 'gcr.io/myimage1', digest: { sha256: H1 } },
          {
            name: 'gcr.io/myimage2',
            digest: { sha256: 'daa1a56e13c85cf164e7d9e595006649e3a04c47fe4a8261320e18a0bf3b0367' },
          },
        ],
        {
          builder: { id: 'test_builder-multiple' },
          buildType: 'tekton.dev/v1/TaskRun',
          invocation: { configSource: {}, parameters: {} },
          buildConfig: {
            steps: [
              step('step1', `gcr.io/test1/test1@sha256:${H1}`),
              step('step2', `gcr.io/test1/test2@sha256:${H1.slice(0, -1)}5`),
            ],
          },
          metadata: meta(),
          materials: [oci('gcr.io/test1/test1', H1), oci('gcr.io/test1/test2', `${H1.slice(0, -1)}5`)],
        },
      ),
    );
  });

  const children = loadChildren([`${D}/taskrun1.json`, `${D}/taskrun2.json`]);
  const prMaterialsTail = [
    oci('gcr.io/test1/test1', H1),
    { uri: 'github.com/catalog', digest: { sha1: 'x123' } },
    oci('gcr.io/test2/test2', H2),
    oci('gcr.io/test3/test3', H3),
    { uri: 'github.com/test', digest: { sha1: 'ab123' } },
  ];

  it('TestPipelineRunCreatePayload', () => {
    const got = buildStatement('slsa/v1', loadRun(`${D}/pipelinerun1.json`), { builderId: 'test_builder-1', children });
    expect(got.statement).toEqual(
      statement([{ name: 'test.io/test/image', digest: { sha256: IMG } }], {
        builder: { id: 'test_builder-1' },
        buildType: 'tekton.dev/v1/PipelineRun',
        invocation: {
          configSource: { uri: 'github.com/test', digest: { sha1: '28b123' }, entryPoint: 'pipeline.yaml' },
          parameters: { IMAGE: 'test.io/test/image' },
        },
        buildConfig: pipelineBuildConfig,
        metadata: meta(START, END),
        materials: [
          { uri: 'github.com/test', digest: { sha1: '28b123' } },
          ...prMaterialsTail,
          { uri: 'abc', digest: { sha256: IMG } },
          { uri: 'git+https://git.test.com.git', digest: { sha1: 'abcd' } },
        ],
      }),
    );
  });

  it('TestPipelineRunCreatePayloadChildRefs', () => {
    const run = loadRun(`${D}/pipelinerun-childrefs.json`);
    const got = buildStatement('slsa/v1', run, { builderId: 'test_builder-1', children });
    expect(got.statement).toEqual(
      statement([{ name: 'test.io/test/image', digest: { sha256: IMG } }], {
        builder: { id: 'test_builder-1' },
        buildType: 'tekton.dev/v1/PipelineRun',
        invocation: { configSource: {}, parameters: { IMAGE: 'test.io/test/image' } },
        buildConfig: pipelineBuildConfig,
        metadata: meta(START, END),
        materials: [...prMaterialsTail, { uri: 'git+https://git.test.com.git', digest: { sha1: 'abcd' } }],
      }),
    );
  });
});

describe('slsa/v1 buildConfig agrees with Chains v1/pipelinerun/provenance_test.go', () => {
  const pr = loadRun(`${D}/pipelinerun1.json`);
  const kids = loadChildren([`${D}/taskrun1.json`, `${D}/taskrun2.json`, `${D}/taskrun3.json`]);
  const H = { 4: H1, 5: H2, 6: H3 } as const;
  const matrixBuild = {
    ...pipelineBuildConfig.tasks[1],
    steps: ([4, 5, 6] as const).map((n, i) => step(`step${i + 1}`, `gcr.io/test${n}/test${n}@sha256:${H[n]}`)),
  };
  const expected = sortedValue({ tasks: [...pipelineBuildConfig.tasks, matrixBuild] });
  const buildConfigOf = (children: typeof kids, run = pr): unknown =>
    (buildStatement('slsa/v1', run, { children }).statement.predicate as { buildConfig: unknown }).buildConfig;

  it('TestBuildConfig (two TaskRuns for one pipeline task)', () => {
    expect(buildConfigOf(kids)).toEqual(expected);
  });

  it('TestBuildConfigMismatchStatusStepsAndTaskSpec (taskrun4/5 skipped)', () => {
    const more = [...kids, ...loadChildren([`${D}/taskrun4.json`, `${D}/taskrun5.json`])];
    expect(buildConfigOf(more)).toEqual(expected);
  });

  const ref = '$(tasks.git-clone.results.commit)';
  it.each([
    ['via parameter', { params: [{ name: 'CHAINS-GIT_COMMIT', value: ref }], runAfter: [] }],
    ['via runAfter', { params: [], runAfter: ['git-clone'] }],
    ['via when.input', { params: [], runAfter: [], when: [{ input: ref, operator: 'in', values: ['abcd'] }] }],
    ['via when.values', { params: [], runAfter: [], when: [{ input: 'abcd', operator: 'in', values: [ref] }] }],
  ])('TestBuildConfigTaskOrder: referencing the previous task %s', (_n, patch) => {
    const doc = JSON.parse(JSON.stringify(pr)) as { status: { pipelineSpec: { tasks: Record<string, unknown>[] } } };
    const build = doc.status.pipelineSpec.tasks[1] ?? {};
    delete build.runAfter;
    Object.assign(build, patch);
    const got = buildConfigOf(kids.slice(0, 2), loadRunFrom(doc)) as { tasks: { after?: string[] }[] };
    expect(got.tasks.map((t) => t.after)).toEqual([undefined, ['git-clone']]);
  });
});

function loadRunFrom(doc: unknown): ReturnType<typeof loadRun> {
  return parseRun(doc as object);
}
