import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildStatement, getFormatter, resolveOptions, sortedValue } from '../index.ts';
import type { FormatId } from '../index.ts';
import { CHAINS, TESTDATA, loadChildren, loadRun } from './cases.ts';

/**
 * Expectations transcribed from Chains' unit tests pkg/chains/formats/slsa/v2alpha3/slsav2_test.go and
 * v2alpha4/slsav2_test.go. runSpec is the fixture's spec as Go marshals it (see rawSpec).
 */

const START = '2021-03-29T09:50:00Z';
const END = '2021-03-29T09:50:15Z';
const UID = 'abhhf-12354-asjsdbjs23-3435353n';
const H1 = 'd4b63d3e24d6eef04a6dc0795cf8a73470688803d97c52cffa3c8d4efd3397b6';
const H2 = '4d6dd704ef58cb214dd826519929e92a978a57cdee43693006139c0080fd6fac';
const H3 = 'f1a8b8549c179f41e27ff3db0fe1a1793e4b109da46586501a8343637b1d0478';
const IMG = '827521c857fdcd4374f4da5442fbae2edb01e7fbae285c3ec15673d4c1daecb7';
const b64 = (s: string): string => Buffer.from(s).toString('base64');
const json = (name: string, content: string): Record<string, string> => ({
  name,
  mediaType: 'application/json',
  content: b64(content),
});
const oci = (repo: string, hex: string): Record<string, unknown> => ({ uri: `oci://${repo}`, digest: { sha256: hex } });

/** The fixture's spec, read independently of our parser, with what Go's json.Marshal changes at top level. */
function rawSpec(rel: string, goFields: Record<string, unknown> = {}, drop: string[] = []): Record<string, unknown> {
  const spec = (JSON.parse(readFileSync(`${CHAINS}${rel}`, 'utf8')) as { spec: Record<string, unknown> }).spec;
  for (const k of drop) delete spec[k];
  return { ...spec, ...goFields };
}

function statement(subject: unknown[] | undefined, predicate: Record<string, unknown>): unknown {
  return {
    _type: 'https://in-toto.io/Statement/v1',
    ...(subject ? { subject } : {}),
    predicateType: 'https://slsa.dev/provenance/v1',
    predicate: sortedValue(predicate),
  };
}

interface Expect {
  runSpec: Record<string, unknown>;
  internal?: Record<string, unknown>;
  deps: unknown[];
  builder: string;
  metadata: Record<string, unknown>;
  byproducts?: unknown[];
}

function predicate(e: Expect): Record<string, unknown> {
  return {
    buildDefinition: {
      buildType: 'https://tekton.dev/chains/v2/slsa',
      externalParameters: { runSpec: e.runSpec },
      internalParameters: e.internal ?? {},
      resolvedDependencies: e.deps,
    },
    runDetails: { builder: { id: e.builder }, metadata: e.metadata, ...(e.byproducts ? { byproducts: e.byproducts } : {}) },
  };
}

const flags = { 'tekton-pipelines-feature-flags': { EnableAPIFields: 'beta', ResultExtractionMethod: 'termination-message' } };
const fullMeta = { invocationId: UID, startedOn: START, finishedOn: END };

function got(format: FormatId, rel: string, builderId: string, children: string[] = []): unknown {
  return buildStatement(format, loadRun(rel), { builderId, children: loadChildren(children) }).statement;
}

for (const format of ['slsa/v2alpha3', 'slsa/v2alpha4'] as const) {
  const D = `${TESTDATA}/${format === 'slsa/v2alpha3' ? 'slsa-v2alpha3' : 'slsa-v2alpha4'}`;
  const v4 = format === 'slsa/v2alpha4';

  describe(`${format} agrees with Chains ${format.slice(5)}/slsav2_test.go`, () => {
    it('TestTaskRunCreatePayload1', () => {
      const deps = [
        { name: 'task', uri: 'git+https://github.com/test', digest: { sha1: 'ab123' } },
        oci('gcr.io/test1/test1', H1),
        oci('gcr.io/test2/test2', H2),
        oci('gcr.io/test3/test3', H3),
        { name: 'inputs/result', uri: 'git+https://git.test.com.git', digest: { sha1: 'taskrun' } },
      ];
      // v2alpha4: subjects only from build artifacts; IMAGE_* results are subjects, not byproducts.
      const subject = v4
        ? [
            { name: 'gcr.io/my/image/fromstep3', digest: { sha256: IMG } },
            { name: 'gcr.io/my/image', digest: { sha256: 'd31cc8328054de2bd93735f9cbf0ccfb6e0ee8f4c4225da7d8f8cb3900eaf466' } },
          ]
        : [{ name: 'gcr.io/my/image', digest: { sha256: IMG } }];
      const byproducts = v4
        ? [
            json('stepResults/taskrun-build/step1_result1', '"result-value"'),
            json('stepResults/taskrun-build/step1_result1-ARTIFACT_OUTPUTS', `{"digest":"sha256:${IMG}","uri":"gcr.io/my/image/fromstep2"}`),
          ]
        : [json('taskRunResults/IMAGE_DIGEST', `"sha256:${IMG}"`), json('taskRunResults/IMAGE_URL', '"gcr.io/my/image"')];
      expect(got(format, `${D}/taskrun1.json`, 'test_builder-1')).toEqual(
        statement(
          subject,
          predicate({
            runSpec: rawSpec(`${D}/taskrun1.json`),
            internal: flags,
            deps,
            builder: 'test_builder-1',
            metadata: fullMeta,
            byproducts,
          }),
        ),
      );
    });

  });
}

describe('slsa/v2alpha3 agrees with Chains v2alpha3/slsav2_test.go', () => {
  it('TestPipelineRunCreatePayload1', () => {
    const D = `${TESTDATA}/slsa-v2alpha3`;
    const pr = 'pipelineRunResults/';
    expect(got('slsa/v2alpha3', `${D}/pipelinerun1.json`, 'test_builder-1', [`${D}/taskrun1.json`, `${D}/taskrun2.json`])).toEqual(
      statement(
        [{ name: 'test.io/test/image', digest: { sha256: IMG } }],
        predicate({
          runSpec: rawSpec(`${D}/pipelinerun1.json`),
          deps: [
            { name: 'pipeline', uri: 'git+https://github.com/test', digest: { sha1: '28b123' } },
            { name: 'pipelineTask', uri: 'git+https://github.com/catalog', digest: { sha1: 'x123' } },
            oci('gcr.io/test1/test1', H1),
            { name: 'pipelineTask', uri: 'git+https://github.com/test', digest: { sha1: 'ab123' } },
            oci('gcr.io/test2/test2', H2),
            oci('gcr.io/test3/test3', H3),
            { name: 'inputs/result', uri: 'abc', digest: { sha256: IMG } },
            { name: 'inputs/result', uri: 'git+https://git.test.com.git', digest: { sha1: 'abcd' } },
          ],
          builder: 'test_builder-1',
          metadata: fullMeta,
          byproducts: [
            json(`${pr}CHAINS-GIT_COMMIT`, '"abcd"'),
            json(`${pr}CHAINS-GIT_URL`, '"https://git.test.com"'),
            json(`${pr}IMAGE_URL`, '"test.io/test/image"'),
            json(`${pr}IMAGE_DIGEST`, `"sha256:${IMG}"`),
            json(`${pr}img-ARTIFACT_INPUTS`, `{"digest":"sha256:${IMG}","uri":"abc"}`),
            json(`${pr}img2-ARTIFACT_OUTPUTS`, '{"digest":"sha256:","uri":"def"}'),
            json(`${pr}img_no_uri-ARTIFACT_OUTPUTS`, `{"digest":"sha256:${IMG}"}`),
          ],
        }),
      ),
    );
  });
});

describe('slsa/v2alpha3 TaskRun cases (v2alpha3/slsav2_test.go)', () => {
  const D = `${TESTDATA}/slsa-v2alpha3`;
  it('TestTaskRunCreatePayload2', () => {
    expect(got('slsa/v2alpha3', `${D}/taskrun2.json`, 'test_builder-2')).toEqual(
      statement(
        undefined,
        predicate({
          runSpec: rawSpec(`${D}/taskrun2.json`),
          deps: [
            { name: 'task', uri: 'git+https://github.com/catalog', digest: { sha1: 'x123' } },
            oci('gcr.io/test1/test1', H1),
            { name: 'inputs/result', uri: 'git+https://git.test.com.git', digest: { sha1: 'sha:taskdefault' } },
          ],
          builder: 'test_builder-2',
          metadata: fullMeta,
          byproducts: [
            json('taskRunResults/some-uri_DIGEST', `"sha256:${H1}"`),
            json('taskRunResults/some-uri', '"pkg:deb/debian/curl@7.50.3-1"'),
          ],
        }),
      ),
    );
  });

  it('TestMultipleSubjects (an empty params list is dropped from runSpec, as Go omitempty does)', () => {
    const images = `gcr.io/myimage1@sha256:${H1},gcr.io/myimage2@sha256:daa1a56e13c85cf164e7d9e595006649e3a04c47fe4a8261320e18a0bf3b0367`;
    expect(got('slsa/v2alpha3', `${D}/taskrun-multiple-subjects.json`, 'test_builder-multiple')).toEqual(
      statement(
        [
          { name: 'gcr.io/myimage1', digest: { sha256: H1 } },
          { name: 'gcr.io/myimage2', digest: { sha256: 'daa1a56e13c85cf164e7d9e595006649e3a04c47fe4a8261320e18a0bf3b0367' } },
        ],
        predicate({
          runSpec: rawSpec(`${D}/taskrun-multiple-subjects.json`, {}, ['params']),
          deps: [oci('gcr.io/test1/test1', H1)],
          builder: 'test_builder-multiple',
          metadata: {},
          byproducts: [json('taskRunResults/IMAGES', JSON.stringify(images))],
        }),
      ),
    );
  });
});

describe('slsa/v2alpha4 TaskRun cases (v2alpha4/slsav2_test.go)', () => {
  const D = `${TESTDATA}/slsa-v2alpha4`;
  it('TestTaskRunCreatePayload2 (StepAction ARTIFACT_INPUTS become resolved dependencies)', () => {
    expect(got('slsa/v2alpha4', `${D}/taskrun2.json`, 'test_builder-2')).toEqual(
      statement(
        undefined,
        predicate({
          runSpec: rawSpec(`${D}/taskrun2.json`),
          deps: [
            { name: 'task', uri: 'git+https://github.com/catalog', digest: { sha1: 'x123' } },
            oci('gcr.io/test1/test1', H1),
            {
              name: 'inputs/result',
              uri: 'https://github.com/tektoncd/pipeline',
              digest: { sha1: '7f2f46e1b97df36b2b82d1b1d87c81b8b3d21601' },
            },
            { name: 'inputs/result', uri: 'git+https://git.test.com.git', digest: { sha1: 'sha:taskdefault' } },
          ],
          builder: 'test_builder-2',
          metadata: fullMeta,
          byproducts: [
            json('taskRunResults/git-clone/some-uri_DIGEST', `"sha256:${H1}"`),
            json('taskRunResults/git-clone/some-uri', '"pkg:deb/debian/curl@7.50.3-1"'),
            json(
              'stepResults/git-clone/step1_result1-ARTIFACT_INPUTS',
              '{"digest":"sha1:7f2f46e1b97df36b2b82d1b1d87c81b8b3d21601","uri":"https://github.com/tektoncd/pipeline"}',
            ),
          ],
        }),
      ),
    );
  });

  it('TestMultipleSubjects', () => {
    const subject = [
      ['gcr.io/foo/bar', H1],
      ['gcr.io/myimage2', '9f036c6170dd7aba07e45cf2fe414c7ca792e5ede3bc3a78609e3aab4fa2ff2d'],
      ['gcr.io/myimage1', 'db546e77d11cf34199d965d28b1107f98bcbb7630182b7d847cc31d5d21b47b0'],
      ['gcr.io/myimage3', '8d14f5ded713f263742d371279586b264bde42ee8de97b808d1f5e205f376ade'],
    ].map(([name, hex]) => ({ name, digest: { sha256: hex } }));
    expect(got('slsa/v2alpha4', `${D}/taskrun-multiple-subjects.json`, 'test_builder-multiple')).toEqual(
      statement(
        subject,
        predicate({
          runSpec: rawSpec(`${D}/taskrun-multiple-subjects.json`, {}, ['params']),
          deps: [oci('gcr.io/test1/test1', H1)],
          builder: 'test_builder-multiple',
          metadata: {},
        }),
      ),
    );
  });
});

describe('externalParameters agree with Chains internal/external_parameters_test.go', () => {
  const D = `${TESTDATA}/slsa-v2alpha3`;
  const ext = (rel: string): unknown => {
    const p = getFormatter('slsa/v2alpha3').create(loadRun(rel), resolveOptions({})).predicate as {
      buildDefinition: { externalParameters: unknown };
    };
    return p.buildDefinition.externalParameters;
  };
  const param = (name: string, value: unknown): unknown => ({ name, value });

  it('taskrun with remote resolver: buildConfigSource from refSource', () => {
    expect(ext(`${D}/taskrun-remote-resolver.json`)).toEqual(
      sortedValue({
        runSpec: {
          params: [param('ARGS', ['help'])],
          serviceAccountName: 'default',
          taskRef: {
            kind: 'Task',
            resolver: 'git',
            params: [
              param('url', 'https://github.com/tektoncd/catalog.git'),
              param('revision', 'main'),
              param('pathInRepo', 'task/gcloud/0.3/gcloud.yaml'),
            ],
          },
        },
        buildConfigSource: {
          ref: 'sha1:4df486f198c3c2616ab129186fb30a74f580b5a1',
          repository: 'git+https://github.com/tektoncd/catalog.git',
          path: 'task/gcloud/0.3/gcloud.yaml',
        },
      }),
    );
  });

  it('pipelinerun with remote resolver', () => {
    expect(ext(`${D}/pipelinerun-remote-resolver.json`)).toEqual(
      sortedValue({
        runSpec: {
          pipelineRef: {
            resolver: 'git',
            params: [
              param('url', 'https://github.com/tektoncd/catalog'),
              param('revision', 'main'),
              param('pathInRepo', 'pipeline/build-push-gke-deploy/0.1/build-push-gke-deploy.yaml'),
            ],
          },
          params: [
            param('pathToContext', 'gke-deploy/example/app'),
            param('pathToKubernetesConfigs', 'gke-deploy/example/app/config'),
          ],
          taskRunTemplate: { serviceAccountName: 'default' },
        },
        buildConfigSource: {
          path: 'pipeline/build-push-gke-deploy/0.1/build-push-gke-deploy.yaml',
          ref: 'sha1:4df486f198c3c2616ab129186fb30a74f580b5a1',
          repository: 'git+https://github.com/tektoncd/catalog',
        },
      }),
    );
  });

  it('a local (non-resolver) run has no buildConfigSource', () => {
    expect(ext(`${D}/taskrun1.json`)).not.toHaveProperty('buildConfigSource');
  });
});
