import { describe, expect, it } from 'vitest';
import { buildStatement } from '../index.ts';
import { TESTDATA, loadChildren, loadRun } from './cases.ts';

/**
 * Expectations transcribed from Chains' v2alpha4/internal/pipelinerun/pipelinerun_test.go TestGenerateAttestation
 * (subjects, resolvedDependencies and byproducts of a PipelineRun, with and without deep inspection).
 */

const D = `${TESTDATA}/slsa-v2alpha4`;
const IMG = '827521c857fdcd4374f4da5442fbae2edb01e7fbae285c3ec15673d4c1daecb7';
const s = (name: string, hex: string): unknown => ({ name, digest: { sha256: hex } });
const dep = (uri: string, digest: Record<string, string>, name?: string): unknown => ({
  ...(name ? { name } : {}),
  uri,
  digest,
});
const bp = (name: string, content: string): unknown => ({
  name,
  content: Buffer.from(content).toString('base64'),
  mediaType: 'application/json',
});

const prSubjects = [s('abc', IMG), s('test.io/test/image', IMG), s('index.docker.io/library/abc', IMG)];
const headDeps = [
  dep('git+https://github.com/test', { sha1: '28b123' }, 'pipeline'),
  dep('git+https://github.com/catalog', { sha1: 'x123' }, 'pipelineTask'),
  dep('oci://gcr.io/test1/test1', { sha256: 'd4b63d3e24d6eef04a6dc0795cf8a73470688803d97c52cffa3c8d4efd3397b6' }),
  dep('git+https://github.com/test', { sha1: 'ab123' }, 'pipelineTask'),
  dep('oci://gcr.io/test2/test2', { sha256: '4d6dd704ef58cb214dd826519929e92a978a57cdee43693006139c0080fd6fac' }),
  dep('oci://gcr.io/test3/test3', { sha256: 'f1a8b8549c179f41e27ff3db0fe1a1793e4b109da46586501a8343637b1d0478' }),
];
const IN = 'inputs/result';
const stepInput = dep('https://github.com/tektoncd/pipeline', { sha1: '7f2f46e1b97df36b2b82d1b1d87c81b8b3d21601' }, IN);
const git = (sha: string): unknown => dep('git+https://git.test.com.git', { sha1: sha }, IN);
const PR = 'pipelineRunResults/pipelinerun-build/';
const prByproducts = [
  bp(`${PR}CHAINS-GIT_COMMIT`, '"abcd"'),
  bp(`${PR}CHAINS-GIT_URL`, '"https://git.test.com"'),
  bp(`${PR}img-ARTIFACT_INPUTS`, `{"digest":"sha256:${IMG}","uri":"abc"}`),
  bp(`${PR}img_no_uri-ARTIFACT_OUTPUTS`, `{"digest":"sha256:${IMG}"}`),
];
const childByproducts = [
  bp('taskRunResults/git-clone/some-uri_DIGEST', '"sha256:d4b63d3e24d6eef04a6dc0795cf8a73470688803d97c52cffa3c8d4efd3397b6"'),
  bp('taskRunResults/git-clone/some-uri', '"pkg:deb/debian/curl@7.50.3-1"'),
  bp(
    'stepResults/git-clone/step1_result1-ARTIFACT_INPUTS',
    '{"digest":"sha1:7f2f46e1b97df36b2b82d1b1d87c81b8b3d21601","uri":"https://github.com/tektoncd/pipeline"}',
  ),
  bp('stepResults/taskrun-build/step1_result1', '"result-value"'),
];

interface Case {
  pr: string;
  children: string[];
  deep: boolean;
  subject: unknown[];
  deps: unknown[];
  byproducts: unknown[];
}

const cases: [string, Case][] = [
  [
    'attestation without deepinspection',
    {
      pr: 'pipelinerun1',
      children: ['taskrun1', 'taskrun2'],
      deep: false,
      subject: prSubjects,
      deps: [...headDeps, dep('abc', { sha256: IMG }, IN), git('abcd')],
      byproducts: prByproducts,
    },
  ],
  [
    'attestation with deepinspection',
    {
      pr: 'pipelinerun1',
      children: ['taskrun1', 'taskrun2'],
      deep: true,
      subject: [
        ...prSubjects,
        s('gcr.io/my/image/fromstep3', IMG),
        s('gcr.io/my/image', 'd31cc8328054de2bd93735f9cbf0ccfb6e0ee8f4c4225da7d8f8cb3900eaf466'),
      ],
      deps: [...headDeps, stepInput, dep('abc', { sha256: IMG }, IN), git('sha:taskdefault'), git('taskrun'), git('abcd')],
      byproducts: [
        ...prByproducts,
        ...childByproducts,
        bp('stepResults/taskrun-build/step1_result1-ARTIFACT_OUTPUTS', `{"digest":"sha256:${IMG}","uri":"gcr.io/my/image/fromstep2"}`),
      ],
    },
  ],
  [
    'attestation with no repeated subjects',
    {
      pr: 'pipelinerun2',
      children: ['taskrun3', 'taskrun4'],
      deep: true,
      subject: [
        s('abc', IMG),
        s('gcr.io/common/image', '33e7e52645f4859622e282167d9200da9861b3d0a6e9c93b85e9cae5526ffc0a'),
        s('test.io/test/image', IMG),
        s('index.docker.io/library/abc', IMG),
        s('gcr.io/task2/step/artifact', 'cb06e289303c9529cd980657a5b1a2c8a146c1b13ca08a2bbedb72ec4b7573b9'),
        s('gcr.io/my/image/fromstep3', IMG),
        s('gcr.io/my/image', 'd31cc8328054de2bd93735f9cbf0ccfb6e0ee8f4c4225da7d8f8cb3900eaf466'),
        s('gcr.io/task1/result', 'c6262181543796435ae52eb233d7337ec570ff0448e333460122f4a65a59a96a'),
      ],
      deps: [...headDeps, stepInput, dep('abc', { sha256: IMG }, IN), git('taskrun'), git('abcd')],
      byproducts: [...prByproducts, ...childByproducts],
    },
  ],
];

describe('slsa/v2alpha4 PipelineRun agrees with Chains v2alpha4/internal/pipelinerun_test.go', () => {
  it.each(cases)('%s', (_n, c) => {
    const run = loadRun(`${D}/${c.pr}.json`);
    const children = loadChildren(c.children.map((n) => `${D}/${n}.json`));
    const { statement } = buildStatement('slsa/v2alpha4', run, { children, deepInspection: c.deep, builderId: 'test_builder-1' });
    const p = statement.predicate as {
      buildDefinition: { resolvedDependencies: unknown[] };
      runDetails: { byproducts: unknown[] };
    };
    expect(statement.subject).toEqual(c.subject);
    expect(p.buildDefinition.resolvedDependencies).toEqual(c.deps);
    expect(p.runDetails.byproducts).toEqual(c.byproducts);
  });
});
