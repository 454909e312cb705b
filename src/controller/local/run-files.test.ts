import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runChainsCli } from '../../../test/cli/in-process.ts';
import { readRunFile } from './run-files.ts';

const dir = mkdtempSync(join(tmpdir(), 'chains-run-files-'));
const RUN = 'apiVersion: tekton.dev/v1\nkind: TaskRun\nmetadata: {name: named}\n';
const TEMPLATE = 'apiVersion: tekton.dev/v1\nkind: TaskRun\nmetadata: {generateName: build-}\n';

describe('run files as kubectl writes them', () => {
  it('skips empty documents and reports runs that only have generateName', () => {
    const file = join(dir, 'mixed.yaml');
    writeFileSync(file, `---\n${RUN}---\n${TEMPLATE}---\n`);
    const f = readRunFile(file);
    expect(f.docs.map((d) => d.metadata.name)).toEqual(['named']);
    expect(f.unnamed).toEqual(['TaskRun build-<generated>']);
  });

  it('sign-run names a generateName-only run in its error', async () => {
    const file = join(dir, 'template.yaml');
    writeFileSync(file, TEMPLATE);
    const r = await runChainsCli(['sign-run', file, '--key', join(dir, 'no.key')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/TaskRun build-<generated> has no metadata\.name .*\[LOCAL_RUN_FILE\]/);
  });
});
