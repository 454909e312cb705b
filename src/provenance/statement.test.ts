import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { VECTORS } from '../../test/setup/env.ts';
import { codeOf } from '../../test/setup/codes.ts';
import { parseRun, parseTaskRuns } from '../model/index.ts';
import { FORMAT_IDS, buildStatement, getFormatter, formatters } from './index.ts';

const TD = `${VECTORS}chains/pkg/chains/formats/slsa/testdata/`;
const read = (p: string): string => readFileSync(p, 'utf8');

describe('buildStatement', () => {
  const tr = parseRun(read(`${TD}pipeline-v1/taskrun1.json`));

  it('returns the statement, its exact bytes, predicate type and subjects', () => {
    const r = buildStatement('in-toto', tr);
    expect(r.predicateType).toBe('https://slsa.dev/provenance/v0.2');
    expect(r.statement._type).toBe('https://in-toto.io/Statement/v0.1');
    expect(JSON.parse(r.bytes.toString('utf8'))).toEqual(r.statement);
    expect(r.bytes.toString('utf8')).toBe(JSON.stringify(r.statement));
    expect(r.subjects).toEqual([
      {
        name: 'gcr.io/my/image',
        digest: { sha256: '827521c857fdcd4374f4da5442fbae2edb01e7fbae285c3ec15673d4c1daecb7' },
      },
    ]);
  });

  it('treats in-toto as an alias of slsa/v1', () => {
    expect(buildStatement('in-toto', tr).bytes.equals(buildStatement('slsa/v1', tr).bytes)).toBe(true);
  });

  it('registers every Chains id explicitly', () => {
    for (const id of FORMAT_IDS) expect(formatters[id]?.id).toBe(id);
    expect(codeOf(() => getFormatter('slsa/v2alpha2'))).toBe('UNKNOWN_FORMAT');
  });

  it('rejects a run that is not done and a PipelineRun whose child is missing', () => {
    expect(codeOf(() => buildStatement('in-toto', parseRun({ kind: 'TaskRun', status: {} })))).toBe(
      'RUN_NOT_DONE',
    );
    const pr = parseRun(read(`${TD}pipeline-v1/pipelinerun-childrefs.json`));
    const kids = parseTaskRuns(read(`${TD}pipeline-v1/taskrun1.json`));
    expect(codeOf(() => buildStatement('in-toto', pr, { children: kids }))).toBe('MISSING_CHILD');
  });

  it('gives a finished run with no results a statement with no subjects', () => {
    const run = parseRun({
      kind: 'TaskRun',
      status: { conditions: [{ type: 'Succeeded', status: 'True' }] },
    });
    for (const id of FORMAT_IDS) {
      const r = buildStatement(id, run);
      expect(r.subjects).toEqual([]);
      expect(r.statement.subject).toBeUndefined();
    }
  });
});

describe('purity', () => {
  it('never mutates its inputs and gives the same bytes every time', () => {
    const TD2 = `${VECTORS}chains/pkg/chains/formats/slsa/testdata/slsa-v2alpha4/`;
    const pr = parseRun(read(`${TD2}pipelinerun1.json`));
    const children = parseTaskRuns(read(`${TD2}taskrun1.json`)).concat(
      parseTaskRuns(read(`${TD2}taskrun2.json`)),
    );
    const before = JSON.stringify({ pr, children });
    const freeze = (v: unknown): void => {
      if (v && typeof v === 'object') {
        Object.freeze(v);
        Object.values(v).forEach(freeze);
      }
    };
    freeze(pr);
    freeze(children);
    for (const id of FORMAT_IDS) {
      const a = buildStatement(id, pr, { children, deepInspection: true });
      const b = buildStatement(id, pr, { children, deepInspection: true });
      expect(a.bytes.equals(b.bytes)).toBe(true);
    }
    expect(JSON.stringify({ pr, children })).toBe(before);
  });
});
