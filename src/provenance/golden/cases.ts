import { readdirSync, readFileSync } from 'node:fs';
import { VECTORS } from '../../../test/setup/env.ts';
import { parseRun, parseTaskRuns } from '../../model/index.ts';
import type { RunObject, TaskRun } from '../../model/index.ts';
import { BUILD_TYPES, FORMAT_IDS, SLSA_BUILD_TYPE, TEKTON_BUILD_TYPE } from '../index.ts';
import type { BuildType, FormatId } from '../index.ts';

/** Every input run in test/vectors/chains and the formats/options each goes through. */

export const CHAINS = `${VECTORS}chains/`;
export const TESTDATA = 'pkg/chains/formats/slsa/testdata';

export interface GoldenCase {
  /** Input path relative to vectors/chains. */
  input: string;
  /** Child TaskRun paths (same directory as upstream's tests use: taskrun1 + taskrun2, or 3 + 4 for pipelinerun2). */
  children: string[];
  format: FormatId;
  deepInspection: boolean;
  buildType: BuildType;
  /** Golden file relative to src/provenance/golden/expected. */
  golden: string;
}

export function loadRun(rel: string): RunObject {
  return parseRun(readFileSync(`${CHAINS}${rel}`, 'utf8'), { source: rel });
}

export function loadChildren(rels: readonly string[]): TaskRun[] {
  return rels.flatMap((r) => parseTaskRuns(readFileSync(`${CHAINS}${r}`, 'utf8'), { source: r }));
}

function childrenOf(dir: string, file: string): string[] {
  if (file.includes('remote-resolver')) return [];
  const [a, b] = file === 'pipelinerun2.json' ? ['taskrun3', 'taskrun4'] : ['taskrun1', 'taskrun2'];
  return [`${TESTDATA}/${dir}/${a}.json`, `${TESTDATA}/${dir}/${b}.json`];
}

/** Unit-test fixtures: every TaskRun and PipelineRun in every testdata directory. */
export function fixtureInputs(): { input: string; children: string[]; pipeline: boolean }[] {
  const out: { input: string; children: string[]; pipeline: boolean }[] = [];
  for (const dir of readdirSync(`${CHAINS}${TESTDATA}`).sort()) {
    for (const file of readdirSync(`${CHAINS}${TESTDATA}/${dir}`).sort()) {
      const pipeline = file.startsWith('pipelinerun');
      out.push({ input: `${TESTDATA}/${dir}/${file}`, children: pipeline ? childrenOf(dir, file) : [], pipeline });
    }
  }
  return out;
}

const slug = (f: FormatId): string => f.replace('/', '-');

/** The golden file suffix of each build type: a build type without one does not compile. */
const BUILD_TYPE_SUFFIX: Readonly<Record<BuildType, string>> = {
  [SLSA_BUILD_TYPE]: '',
  [TEKTON_BUILD_TYPE]: '.tekton',
};

export function goldenCases(): GoldenCase[] {
  const cases: GoldenCase[] = [];
  for (const { input, children, pipeline } of fixtureInputs()) {
    const base = input.slice(TESTDATA.length + 1).replace(/\.json$/, '');
    for (const format of FORMAT_IDS) {
      if (format === 'in-toto') continue; // alias of slsa/v1: checked byte-equal in the test
      const v2 = format !== 'slsa/v1';
      for (const deepInspection of pipeline ? [false, true] : [false]) {
        // slsa/v1 has no build type option: its statement names the run kind
        const types: readonly BuildType[] = v2 ? BUILD_TYPES : [SLSA_BUILD_TYPE];
        for (const buildType of types) {
          const suffix = `${deepInspection ? '.deep' : ''}${BUILD_TYPE_SUFFIX[buildType]}`;
          cases.push({ input, children, format, deepInspection, buildType, golden: `${base}.${slug(format)}${suffix}.json` });
        }
      }
    }
  }
  return cases;
}
