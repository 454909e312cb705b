import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { VECTORS } from '../test/setup/env.ts';
import { parseRun, parseTaskRuns } from '../src/model/index.ts';
import type { RunObject, TaskRun } from '../src/model/index.ts';
import { buildStatement } from '../src/provenance/index.ts';
import type { FormatId } from '../src/provenance/index.ts';

/** Statements per second: a TaskRun, and a PipelineRun with 200 child TaskRuns (formatting + serialisation). */

const TD = `${VECTORS}chains/pkg/chains/formats/slsa/testdata/slsa-v2alpha4/`;
const read = (f: string): string => readFileSync(`${TD}${f}`, 'utf8');

/** A PipelineRun with `n` tasks, each run by a copy of the fixture TaskRun with its own images and results. */
function bigPipeline(n: number): { pr: RunObject; children: TaskRun[] } {
  const pr = JSON.parse(read('pipelinerun1.json')) as {
    status: { pipelineSpec: { tasks: { name: string }[] }; childReferences?: unknown[] };
  };
  const template = JSON.parse(read('taskrun1.json')) as Record<string, unknown>;
  const hex = (i: number): string => i.toString(16).padStart(64, '0');
  const children: unknown[] = [];
  pr.status.pipelineSpec.tasks = [];
  pr.status.childReferences = [];
  for (let i = 0; i < n; i++) {
    const name = `task-${i}`;
    pr.status.pipelineSpec.tasks.push({ name });
    pr.status.childReferences.push({ name: `tr-${i}`, kind: 'TaskRun', pipelineTaskName: name });
    const tr = JSON.parse(JSON.stringify(template)) as {
      metadata: { name: string; labels: Record<string, string> };
      status: { steps: { imageID: string }[]; results: { name: string; value: string }[] };
    };
    tr.metadata.name = `tr-${i}`;
    tr.metadata.labels['tekton.dev/pipelineTask'] = name;
    tr.status.steps.forEach((s, j) => (s.imageID = `gcr.io/bench/step${j}@sha256:${hex(i * 10 + j)}`));
    tr.status.results = [
      { name: 'IMAGE_URL', value: `gcr.io/bench/out${i}` },
      { name: 'IMAGE_DIGEST', value: `sha256:${hex(i)}` },
    ];
    children.push(tr);
  }
  return { pr: parseRun(pr), children: parseTaskRuns(children) };
}

/** Rate per wall-clock second and per CPU second (the latter is steadier on a shared, loaded machine). */
function measure(label: string, fn: () => number, minMs = 1500): void {
  fn(); // warm up
  let n = 0;
  let bytes = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  while (performance.now() - t0 < minMs) {
    bytes += fn();
    n++;
  }
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const rate = (x: number): string => x.toFixed(1).padStart(9);
  console.log(
    `${label.padEnd(44)} ${rate(n / wall)}/s wall ${rate(n / cpuSeconds)}/s cpu  (${Math.round(bytes / n)} bytes)`,
  );
}

export default async function bench(): Promise<void> {
  const tr = parseRun(read('taskrun1.json'));
  const formats: FormatId[] = ['slsa/v1', 'slsa/v2alpha3', 'slsa/v2alpha4'];
  for (const f of formats) measure(`TaskRun ${f}`, () => buildStatement(f, tr).bytes.length);
  const { pr, children } = bigPipeline(200);
  for (const f of formats) {
    measure(`PipelineRun + 200 TaskRuns ${f}`, () => buildStatement(f, pr, { children }).bytes.length);
    measure(
      `PipelineRun + 200 TaskRuns ${f} deep`,
      () => buildStatement(f, pr, { children, deepInspection: true }).bytes.length,
    );
  }
  await Promise.resolve();
}
