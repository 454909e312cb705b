import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hasCode } from '../core/errors.ts';
import { VECTORS } from '../../test/setup/env.ts';
import { codeOf } from '../../test/setup/codes.ts';
import {
  assertChildrenPresent,
  assertDone,
  displayName,
  executedTaskRuns,
  isDone,
  parseRun,
  parseTaskRuns,
  runRef,
} from './index.ts';

const TD = `${VECTORS}chains/pkg/chains/formats/slsa/testdata/`;
const read = (p: string): string => readFileSync(p, 'utf8');

const DONE_TR = `apiVersion: tekton.dev/v1
kind: TaskRun
metadata: {name: tr, namespace: ns, uid: u-1, labels: {a: b}}
spec:
  params: [{name: p, value: [x, y]}]
  someFutureField: {kept: true}
status:
  conditions: [{type: Succeeded, status: "False", reason: Failed}]
  results: [{name: IMAGE_URL, value: gcr.io/x}, {name: O-ARTIFACT_OUTPUTS, type: object, value: {uri: u, digest: "sha256:1"}}]
`;

describe('parseRun', () => {
  it('reads YAML as kubectl prints it, keeping unknown fields', () => {
    const run = parseRun(DONE_TR);
    expect(run.kind).toBe('TaskRun');
    expect(runRef(run)).toEqual({ kind: 'TaskRun', namespace: 'ns', name: 'tr', uid: 'u-1' });
    expect((run.spec as Record<string, unknown>).someFutureField).toEqual({ kept: true });
    expect(isDone(run)).toBe(true);
  });

  it('reads JSON and objects, inferring the kind of upstream fixtures that omit it', () => {
    expect(parseRun(read(`${TD}pipeline-v1/pipelinerun1.json`)).kind).toBe('PipelineRun');
    expect(parseRun(read(`${TD}pipeline-v1/taskrun1.json`)).kind).toBe('TaskRun');
    expect(parseRun({ metadata: { name: 'x' }, spec: {} }, { kind: 'PipelineRun' }).kind).toBe('PipelineRun');
  });

  it.each([
    [
      'results value is an array of numbers',
      { kind: 'TaskRun', status: { results: [{ name: 'a', value: [1] }] } },
      /status\.results\[0\]\.value/,
    ],
    [
      'condition status',
      { kind: 'TaskRun', status: { conditions: [{ type: 'Succeeded', status: 'Yes' }] } },
      /status\.conditions\[0\]\.status/,
    ],
    ['params not a list', { kind: 'PipelineRun', spec: { params: { a: 1 } } }, /spec\.params/],
    ['bad time', { kind: 'TaskRun', status: { startTime: 'yesterday' } }, /status\.startTime/],
    ['labels not strings', { kind: 'TaskRun', metadata: { labels: { a: 1 } } }, /metadata\.labels\.a/],
  ])('rejects a malformed run with the path of the bad field: %s', (_n, doc, path) => {
    expect(() => parseRun(doc)).toThrow(path);
    expect(codeOf(() => parseRun(doc))).toBe('INVALID_RUN');
  });

  it.each([
    ['other kind', { kind: 'Pod' }, 'UNSUPPORTED_KIND'],
    ['v1beta1', { apiVersion: 'tekton.dev/v1beta1', kind: 'TaskRun' }, 'UNSUPPORTED_KIND'],
    ['not an object', '[1', 'INVALID_YAML'],
    ['scalar', '42', 'INVALID_RUN'],
  ])('rejects %s', (_n, input, code) => {
    expect(codeOf(() => parseRun(input))).toBe(code);
  });
});

describe('inputs as kubectl and upstream fixtures have them', () => {
  it('skips empty documents around --- as kubectl does; two runs in one file are an error of ours', () => {
    expect(runRef(parseRun(`---\n${DONE_TR}---\n`)).name).toBe('tr');
    expect(runRef(parseRun(`${DONE_TR}---\n---\n`)).name).toBe('tr');
    expect(() => parseRun(`${DONE_TR}---\n${DONE_TR}`)).toThrow(/holds 2 YAML documents, expected one run/);
    expect(codeOf(() => parseRun(`${DONE_TR}---\n${DONE_TR}`))).toBe('INVALID_YAML');
    expect(() => parseRun('---\n')).toThrow(/expected an object, got an empty document/);
    expect(parseTaskRuns(`${DONE_TR}---\n${DONE_TR}---\n`)).toHaveLength(2);
  });

  it('names a run by its generateName when it has no name', () => {
    const run = parseRun({ kind: 'TaskRun', metadata: { generateName: 'build-' } });
    expect(() => assertDone(run)).toThrow('TaskRun build-<generated> is not done');
    expect(displayName({})).toBe('<unnamed>');
  });

  it('warns that v1beta1 results of a run without apiVersion are ignored (upstream fixture)', () => {
    const warnings: string[] = [];
    const onWarning = (m: string): number => warnings.push(m);
    const run = parseRun(read(`${TD}slsa-v2alpha2/taskrun1.json`), { source: 'tr.json', onWarning });
    // read as tekton.dev/v1, as Chains decodes it: the golden statements of these fixtures have no subjects
    expect(run.status?.results).toBeUndefined();
    expect(warnings).toEqual([
      expect.stringMatching(
        /^tr\.json: no apiVersion and results in status\.taskResults, a tekton\.dev\/v1beta1 field/,
      ),
    ]);
    parseRun(
      { kind: 'PipelineRun', status: { pipelineResults: [{ name: 'a', value: 'b' }] } },
      { onWarning },
    );
    expect(warnings[1]).toMatch(/status\.pipelineResults/);
    parseRun(
      { apiVersion: 'tekton.dev/v1', kind: 'TaskRun', status: { taskResults: [{ name: 'a', value: 'b' }] } },
      { onWarning },
    );
    parseRun({ kind: 'TaskRun', status: { results: [{ name: 'a', value: 'b' }] } }, { onWarning });
    expect(warnings).toHaveLength(2);
  });
});

describe('isDone', () => {
  it.each([
    [[{ type: 'Succeeded', status: 'True' }], true],
    [[{ type: 'Succeeded', status: 'False' }], true],
    [[{ type: 'Succeeded', status: 'Unknown' }], false],
    [[{ type: 'Other', status: 'True' }], false],
    [[], false],
  ])('%j → %s', (conditions, done) => {
    expect(isDone(parseRun({ kind: 'TaskRun', status: { conditions } }))).toBe(done);
  });
});

describe('child TaskRuns', () => {
  const pr = parseRun(read(`${TD}pipeline-v1/pipelinerun-childrefs.json`));
  const t1 = parseTaskRuns(read(`${TD}pipeline-v1/taskrun1.json`));
  const t2 = parseTaskRuns(read(`${TD}pipeline-v1/taskrun2.json`));

  it('accepts a kind: List, an array, or single TaskRuns', () => {
    const list = { apiVersion: 'v1', kind: 'List', items: [...t1, ...t2] };
    expect(parseTaskRuns(JSON.stringify(list)).map((t) => t.metadata.name)).toEqual([
      'taskrun-build',
      'git-clone',
    ]);
    expect(parseTaskRuns([...t1, ...t2])).toHaveLength(2);
    expect(codeOf(() => parseTaskRuns({ kind: 'List', items: [{ kind: 'PipelineRun' }] }))).toBe(
      'UNSUPPORTED_KIND',
    );
  });

  it('requires every TaskRun child reference', () => {
    if (pr.kind !== 'PipelineRun') throw new Error('fixture');
    expect(() => assertChildrenPresent(pr, [...t1, ...t2])).not.toThrow();
    const err = (() => {
      try {
        assertChildrenPresent(pr, t1);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(hasCode(err, 'MISSING_CHILD')).toBe(true);
    expect(String((err as Error).message)).toMatch(/git-clone/);
  });

  it('walks executed children in pipeline order', () => {
    if (pr.kind !== 'PipelineRun') throw new Error('fixture');
    expect(executedTaskRuns(pr, [...t1, ...t2]).map((e) => e.task.name)).toEqual(['git-clone', 'build']);
  });
});

describe('parseTaskRuns from a YAML stream', () => {
  it('reads several --- separated documents', () => {
    const text = '---\nkind: TaskRun\nmetadata: {name: a}\n---\nkind: TaskRun\nmetadata: {name: b}\n';
    expect(parseTaskRuns(text).map((t) => t.metadata.name)).toEqual(['a', 'b']);
  });
  it('rejects a broken document in the stream', () => {
    expect(codeOf(() => parseTaskRuns('---\nkind: TaskRun\n---\nkind: [\n'))).toBe('INVALID_YAML');
  });
});

describe('ParamValue like Tekton', () => {
  it.each([
    [3, '3'],
    [true, 'true'],
    [null, ''],
    ['x', 'x'],
  ])('reads the scalar %j as %j', (value, want) => {
    const run = parseRun({ kind: 'TaskRun', spec: { params: [{ name: 'p', value }] } });
    expect(run.spec.params?.[0]?.value).toBe(want);
  });
});
