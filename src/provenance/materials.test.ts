import { describe, expect, it } from 'vitest';
import { parseRun } from '../model/index.ts';
import type { PipelineRun, TaskRun } from '../model/index.ts';
import { buildStatement } from './statement.ts';
import { materialFromImageId, pipelineInputMaterials, spdxGit, taskInputMaterials } from './materials.ts';

/** CHAINS-GIT_URL / CHAINS-GIT_COMMIT and image-ID material rules (https://tekton.dev/docs/chains/slsa-provenance/). */

const C = 'CHAINS-GIT_COMMIT';
const U = 'CHAINS-GIT_URL';
type Entry = { name: string; value: string };

function taskRun(defaults: Entry[], params: Entry[], results: Entry[]): TaskRun {
  const run = parseRun({
    kind: 'TaskRun',
    spec: { params },
    status: { results, taskSpec: { params: defaults.map((d) => ({ name: d.name, default: d.value })) } },
  });
  if (run.kind !== 'TaskRun') throw new Error('kind');
  return run;
}

function pipelineRun(defaults: Entry[], params: Entry[], results: Entry[]): PipelineRun {
  const run = parseRun({
    kind: 'PipelineRun',
    spec: { params },
    status: { results, pipelineSpec: { params: defaults.map((d) => ({ name: d.name, default: d.value })) } },
  });
  if (run.kind !== 'PipelineRun') throw new Error('kind');
  return run;
}

const e = (name: string, value: string): Entry => ({ name, value });

describe('git material precedence: defaults < params < results', () => {
  it.each<[string, Entry[], Entry[], Entry[], string | undefined, string | undefined]>([
    ['defaults only', [e(C, 'd'), e(U, 'https://d')], [], [], 'git+https://d.git', 'd'],
    ['params override defaults', [e(C, 'd'), e(U, 'https://d')], [e(C, 'p')], [], 'git+https://d.git', 'p'],
    [
      'results override params',
      [],
      [e(C, 'p'), e(U, 'https://p')],
      [e(U, 'https://r')],
      'git+https://r.git',
      'p',
    ],
    ['decoration not doubled', [], [e(C, 'c'), e(U, 'git+https://x.git')], [], 'git+https://x.git', 'c'],
    ['TaskRun: a commit alone is enough (url becomes git+.git)', [], [e(C, 'c')], [], 'git+.git', 'c'],
    ['no commit: nothing', [], [e(U, 'https://x')], [], undefined, undefined],
    ['empty commit: nothing', [], [e(C, ''), e(U, 'https://x')], [], undefined, undefined],
  ])('%s', (_n, defaults, params, results, uri, sha) => {
    const mats = taskInputMaterials(taskRun(defaults, params, results));
    expect(mats[0]?.name).toBe(uri);
    expect(mats[0]?.digest.sha1).toBe(sha);
  });

  it('PipelineRun path needs both commit and URL', () => {
    expect(pipelineInputMaterials(pipelineRun([], [e(C, 'c')], []), [], false)).toEqual([]);
    expect(pipelineInputMaterials(pipelineRun([e(U, 'https://x')], [e(C, 'c')], []), [], false)).toEqual([
      { name: 'git+https://x.git', digest: { sha1: 'c' } },
    ]);
  });

  it.each([
    ['https://x', 'git+https://x.git'],
    ['git+https://x', 'git+https://x.git'],
    ['https://x.git', 'git+https://x.git'],
    ['', 'git+.git'],
  ])('spdxGit(%j) = %j', (url, want) => expect(spdxGit(url)).toBe(want));
});

describe('image-ID materials', () => {
  it.each([
    ['docker-pullable://gcr.io/a/b@sha256:abc', 'oci://gcr.io/a/b', { sha256: 'abc' }],
    ['gcr.io/a/b@sha512:def', 'oci://gcr.io/a/b', { sha512: 'def' }],
  ])('%s', (id, uri, digest) => expect(materialFromImageId(id)).toEqual({ name: uri, digest }));

  it.each(['gcr.io/a/b:latest', 'gcr.io/a/b@sha256', 'a@b@c', ''])(
    'an imageID without @alg:hex fails: %j',
    (id) => {
      expect(() => materialFromImageId(id)).toThrow(expect.objectContaining({ code: 'INVALID_IMAGE_ID' }));
    },
  );

  it('fails payload creation with a coded error', () => {
    const run = parseRun({
      kind: 'TaskRun',
      status: {
        conditions: [{ type: 'Succeeded', status: 'True' }],
        steps: [{ name: 's', imageID: 'busybox:latest' }],
      },
    });
    expect(() => buildStatement('in-toto', run)).toThrow(
      expect.objectContaining({ code: 'INVALID_IMAGE_ID' }),
    );
  });
});
