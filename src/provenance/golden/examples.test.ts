import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseRun, parseTaskRuns } from '../../model/index.ts';
import { buildStatement } from '../index.ts';
import type { FormatId } from '../index.ts';
import { CHAINS } from './cases.ts';
import { completePipelineRun, completeTaskRun } from './tekton-sim.ts';
import type { SimExtras } from './tekton-sim.ts';

/**
 * The e2e inputs (examples/**, test/testdata/type-hinting) are specs, not done runs: as given they are refused;
 * completed by tekton-sim.ts they go through every format and are compared with committed goldens.
 */

const EXPECTED = new URL('./expected/examples/', import.meta.url).pathname;
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const FORMATS: FormatId[] = ['slsa/v1', 'slsa/v2alpha3', 'slsa/v2alpha4'];
const times = (i: number): { uid: string; start: string; end: string } => ({
  uid: `0000000${i}-e2e0-4000-8000-00000000000${i}`,
  start: `2026-11-29T10:0${i}:00Z`,
  end: `2026-11-29T10:0${i + 1}:00Z`,
});
const load = (p: string): Record<string, unknown> => parseYaml(readFileSync(`${CHAINS}${p}`, 'utf8')) as Record<string, unknown>;

const KANIKO_DIGEST = `sha256:${'5d'.repeat(32)}`;
const kanikoTask = load('examples/kaniko/kaniko.yaml');
const INPUTS: { path: string; kind: 'TaskRun' | 'PipelineRun'; extras?: SimExtras; subst?: [string, string][] }[] = [
  { path: 'examples/taskruns/task-output-image.yaml', kind: 'TaskRun' },
  { path: 'examples/pipelineruns/pipeline-output-image.yaml', kind: 'PipelineRun' },
  { path: 'examples/v2alpha4/task-with-object-type-hinting.yaml', kind: 'TaskRun' },
  { path: 'examples/v2alpha4/pipeline-with-object-type-hinting.yaml', kind: 'PipelineRun' },
  { path: 'examples/v2alpha4/pipeline-with-repeated-results.yaml', kind: 'PipelineRun' },
  { path: 'test/testdata/type-hinting/taskrun.json', kind: 'TaskRun' },
  {
    // The tutorial's build: the Task comes from kaniko.yaml; kaniko writes the digest file itself.
    path: 'examples/kaniko/taskrun.yaml',
    kind: 'TaskRun',
    extras: { taskSpec: kanikoTask.spec as Record<string, unknown>, written: { IMAGE_DIGEST: KANIKO_DIGEST } },
    subst: [
      ['${REGISTRY}', 'registry.local:5000/chains'],
      ['${DOCKERCONFIG_SECRET}', 'registry-credentials'],
    ],
  },
];

function simulate(input: (typeof INPUTS)[number]): { run: ReturnType<typeof parseRun>; children: ReturnType<typeof parseTaskRuns> } {
  let text = readFileSync(`${CHAINS}${input.path}`, 'utf8');
  for (const [from, to] of input.subst ?? []) text = text.split(from).join(to);
  const doc = parseYaml(text) as Record<string, unknown>;
  if (input.kind === 'TaskRun') return { run: parseRun(completeTaskRun(doc, times(1), undefined, input.extras)), children: [] };
  const name = String((doc.metadata as { name?: string }).name ?? 'image-pipelinerunx7k2p');
  const sim = completePipelineRun(doc, name, [times(1), times(2), times(3), times(4)]);
  return { run: parseRun(sim.run), children: parseTaskRuns(sim.children) };
}

describe('e2e inputs as given (not done)', () => {
  it.each(INPUTS.map((i) => i.path))('%s is refused with RUN_NOT_DONE', (path) => {
    const run = parseRun(readFileSync(`${CHAINS}${path}`, 'utf8'));
    expect(() => buildStatement('in-toto', run)).toThrow(expect.objectContaining({ code: 'RUN_NOT_DONE' }));
  });

  it('examples/kaniko/kaniko.yaml is a Task, not a run', () => {
    expect(() => parseRun(readFileSync(`${CHAINS}examples/kaniko/kaniko.yaml`, 'utf8'))).toThrow(
      expect.objectContaining({ code: 'UNSUPPORTED_KIND' }),
    );
  });
});

describe('e2e inputs completed: every format against committed goldens', () => {
  const cases = INPUTS.flatMap((input) =>
    FORMATS.flatMap((format) =>
      (input.kind === 'PipelineRun' ? [false, true] : [false]).map((deep) => ({ input, format, deep })),
    ),
  );
  it.each(cases.map((c) => [`${c.input.path} ${c.format}${c.deep ? ' deep' : ''}`, c] as const))('%s', (_n, c) => {
    const { run, children } = simulate(c.input);
    const { bytes } = buildStatement(c.format, run, { children, deepInspection: c.deep });
    const base = c.input.path.replace(/^(examples|test\/testdata)\//, '').replace(/\.(yaml|json)$/, '');
    const path = `${EXPECTED}${base}.${c.format.replace('/', '-')}${c.deep ? '.deep' : ''}.json`;
    if (UPDATE) {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, `${JSON.stringify(JSON.parse(bytes.toString('utf8')), null, 2)}\n`);
    }
    expect(existsSync(path), `missing ${path} (UPDATE_GOLDEN=1)`).toBe(true);
    expect(bytes.toString('utf8')).toBe(JSON.stringify(JSON.parse(readFileSync(path, 'utf8'))));
  });

  it('kaniko: the pushed image is the subject and the one image to sign', () => {
    const { run } = simulate(INPUTS[6] as (typeof INPUTS)[number]);
    const built = buildStatement('in-toto', run);
    expect(built.subjects).toEqual([{ name: 'registry.local:5000/chains/kaniko-chains', digest: { sha256: '5d'.repeat(32) } }]);
  });
});
