import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHAINS, TESTDATA } from '../../src/provenance/golden/cases.ts';

/** `chains provenance` / `chains artifacts` end to end through bin/chains. */

const BIN = new URL('../../bin/chains', import.meta.url).pathname;
const EXPECTED = new URL('../../src/provenance/golden/expected/', import.meta.url).pathname;
const run = (...args: string[]): { code: number | null; out: string; err: string } => {
  const r = spawnSync(BIN, args, { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const V1 = `${CHAINS}${TESTDATA}/pipeline-v1`;
const tmp = mkdtempSync(join(tmpdir(), 'chains-prov-'));

describe('chains provenance', () => {
  it('prints the exact payload bytes of the golden statement', () => {
    const r = run(
      'provenance',
      '--format',
      'slsa/v1',
      `${V1}/pipelinerun1.json`,
      `${V1}/taskrun1.json`,
      `${V1}/taskrun2.json`,
    );
    expect(r.code).toBe(0);
    const golden = readFileSync(`${EXPECTED}pipeline-v1/pipelinerun1.slsa-v1.json`, 'utf8');
    expect(r.out).toBe(`${JSON.stringify(JSON.parse(golden))}\n`);
  });

  it('accepts children as a kind: List and options for builder id and deep inspection', () => {
    const list = {
      apiVersion: 'v1',
      kind: 'List',
      items: ['taskrun1', 'taskrun2']
        .map((n) => `${CHAINS}${TESTDATA}/slsa-v2alpha4/${n}.json`)
        .map((f) => JSON.parse(readFileSync(f, 'utf8'))),
    };
    const file = join(tmp, 'children.json');
    writeFileSync(file, JSON.stringify(list));
    const r = run(
      'provenance',
      '--format',
      'slsa/v2alpha4',
      '--deep-inspection',
      '--builder-id',
      'urn:me',
      `${CHAINS}${TESTDATA}/slsa-v2alpha4/pipelinerun1.json`,
      file,
    );
    expect(r.code).toBe(0);
    const st = JSON.parse(r.out) as {
      predicate: { runDetails: { builder: { id: string } } };
      subject: unknown[];
    };
    expect(st.predicate.runDetails.builder.id).toBe('urn:me');
    expect(st.subject).toHaveLength(5);
  });

  it.each([
    [
      'a run that is not done',
      [`${CHAINS}examples/taskruns/task-output-image.yaml`],
      /is not done .*\[RUN_NOT_DONE\]/,
    ],
    ['a malformed run', ['MALFORMED'], /invalid field status\.results\[0\]\.value.*\[INVALID_RUN\]/],
    [
      'a PipelineRun whose child is missing',
      [`${V1}/pipelinerun-childrefs.json`, `${V1}/taskrun1.json`],
      /child TaskRun git-clone .*\[MISSING_CHILD\]/,
    ],
    ['a missing file', [join(tmp, 'nope.json')], /cannot read run .*nope.json: no such file \[CLI_READ\]/],
    ['not JSON or YAML', ['GARBAGE'], /not valid JSON or YAML.*\[INVALID_YAML\]/],
  ])('exits 1 with one clear line for %s', (_n, files, message) => {
    writeFileSync(
      join(tmp, 'MALFORMED'),
      JSON.stringify({ kind: 'TaskRun', status: { results: [{ name: 'x', value: { uri: 1 } }] } }),
    );
    writeFileSync(join(tmp, 'GARBAGE'), '{"a": [1,');
    const r = run(
      'provenance',
      ...files.map((f) => (f === 'MALFORMED' || f === 'GARBAGE' ? join(tmp, f) : f)),
    );
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(message);
  });

  it('gives a finished run with no results a statement with no subjects', () => {
    const file = join(tmp, 'empty.yaml');
    writeFileSync(
      file,
      'apiVersion: tekton.dev/v1\nkind: TaskRun\nmetadata: {name: t}\nstatus:\n  conditions: [{type: Succeeded, status: "True"}]\n',
    );
    const r = run('provenance', '--format', 'slsa/v2alpha3', file);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).not.toHaveProperty('subject');
  });

  it('rejects an unknown format', () => {
    const r = run('provenance', '--format', 'slsa/v2alpha2', `${V1}/taskrun1.json`);
    expect(r.code).toBe(1);
  });
});

describe('rough edges with real Tekton inputs', () => {
  const PR_EXAMPLE = `${CHAINS}examples/pipelineruns/pipeline-output-image.yaml`;
  const V1BETA1 = `${CHAINS}${TESTDATA}/slsa-v2alpha2/taskrun1.json`;

  it('a run file with a trailing --- (an empty last document) is read as kubectl reads it', () => {
    const file = join(tmp, 'trailing.yaml');
    const yaml = `---\n${readFileSync(`${CHAINS}examples/v2alpha4/task-with-object-type-hinting.yaml`, 'utf8')}`;
    writeFileSync(file, `${yaml}\n---\n`);
    writeFileSync(join(tmp, 'two.yaml'), `${yaml}\n---\n${yaml}`);
    const r = run('artifacts', file);
    expect(r.err).not.toMatch(/parseAllDocuments/);
    expect(r.err).toMatch(/is not done .*\[RUN_NOT_DONE\]/);
    const two = run('provenance', join(tmp, 'two.yaml'));
    expect(two.err).toMatch(/holds 2 YAML documents, expected one run .*\[INVALID_YAML\]/);
    expect(two.err).not.toMatch(/parseAllDocuments/);
  });

  it('a run named by generateName shows that name', () => {
    const r = run('provenance', PR_EXAMPLE);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/PipelineRun image-pipelinerun<generated> is not done .*\[RUN_NOT_DONE\]/);
  });

  it('artifacts refuses an unfinished run as provenance does', () => {
    const r = run('artifacts', PR_EXAMPLE);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/is not done .*\[RUN_NOT_DONE\]/);
  });

  it('a run without apiVersion in v1beta1 shape (taskResults) is not silently without subjects: it warns', () => {
    const r = run('artifacts', V1BETA1);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/^WARNING: .*taskrun1\.json: no apiVersion and results in status\.taskResults/);
    expect(r.err).toMatch(/they are ignored and give no subjects/);
  });
});

describe('chains artifacts', () => {
  it('lists subjects, images and materials', () => {
    const r = run('artifacts', `${V1}/taskrun-multiple-subjects.json`);
    expect(r.code).toBe(0);
    const H = 'd4b63d3e24d6eef04a6dc0795cf8a73470688803d97c52cffa3c8d4efd3397b6';
    expect(r.out.split('\n')).toEqual([
      `subject\tgcr.io/myimage1\tsha256:${H}`,
      'subject\tgcr.io/myimage2\tsha256:daa1a56e13c85cf164e7d9e595006649e3a04c47fe4a8261320e18a0bf3b0367',
      `image\tgcr.io/myimage1@sha256:${H}`,
      'image\tgcr.io/myimage2@sha256:daa1a56e13c85cf164e7d9e595006649e3a04c47fe4a8261320e18a0bf3b0367',
      `material\toci://gcr.io/test1/test1\tsha256:${H}`,
      `material\toci://gcr.io/test1/test2\tsha256:${H.slice(0, -1)}5`,
      '',
    ]);
  });

  it('prints JSON with --json', () => {
    const r = run('artifacts', '--json', `${V1}/taskrun1.json`);
    const found = JSON.parse(r.out) as {
      subjects: unknown[];
      images: { shortKey: string }[];
      materials: unknown[];
    };
    expect(found.images[0]?.shortKey).toBe('827521c857fd');
    expect(found.materials).toHaveLength(4);
  });
});
