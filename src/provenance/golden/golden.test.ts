import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertChildrenPresent, isDone } from '../../model/index.ts';
import { buildStatement, getFormatter, resolveOptions } from '../index.ts';
import type { Statement } from '../index.ts';
import { goldenCases, loadChildren, loadRun } from './cases.ts';
import type { GoldenCase } from './cases.ts';

const EXPECTED = new URL('./expected/', import.meta.url).pathname;
const UPDATE = process.env.UPDATE_GOLDEN === '1';

/**
 * Two upstream fixtures are not done (remote-resolver PipelineRuns, status Unknown) and reference a child
 * that is not in the vectors: buildStatement refuses them (tested below), so their goldens come straight
 * from the pure formatter, as upstream's unit tests do.
 */
function produce(c: GoldenCase): { statement: Statement; bytes: Buffer } {
  const run = loadRun(c.input);
  const children = loadChildren(c.children);
  const opts = { children, deepInspection: c.deepInspection, buildType: c.buildType, builderId: 'https://tekton.dev/chains/v2' };
  const complete = isDone(run) && (run.kind === 'TaskRun' || (assertChildrenPresent(run, children), true));
  if (complete) return buildStatement(c.format, run, opts);
  const statement = getFormatter(c.format).create(run, resolveOptions(opts));
  return { statement, bytes: Buffer.from(JSON.stringify(statement)) };
}

describe('golden statements: every vector run through every format', () => {
  const cases = goldenCases();
  it('covers every fixture', () => expect(cases.length).toBeGreaterThan(100));

  it.each(cases.map((c) => [c.golden, c] as const))('%s', (_name, c) => {
    const { bytes } = produce(c);
    const path = `${EXPECTED}${c.golden}`;
    const pretty = `${JSON.stringify(JSON.parse(bytes.toString('utf8')), null, 2)}\n`;
    if (UPDATE) {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, pretty);
    }
    expect(existsSync(path), `missing golden ${c.golden} (run with UPDATE_GOLDEN=1)`).toBe(true);
    const golden = readFileSync(path, 'utf8');
    // Exact bytes: same members, same order, compact.
    expect(bytes.toString('utf8')).toBe(JSON.stringify(JSON.parse(golden)));
  });

  it.each(cases.filter((c) => c.format === 'slsa/v1').map((c) => [c.golden, c] as const))(
    'in-toto is byte-identical to slsa/v1: %s',
    (_n, c) => {
      expect(produce({ ...c, format: 'in-toto' }).bytes.equals(produce(c).bytes)).toBe(true);
    },
  );
});
