import { describe, expect, it } from 'vitest';
import { limitChecks } from '../../reliability/security/limits.ts';
import { modeChecksInProcess } from '../../reliability/security/modes.ts';
import { secretChecks } from '../../reliability/security/secrets.ts';
import { traversalChecks } from '../../reliability/security/traversal.ts';
import type { Check } from '../../reliability/security/run.ts';
import { tempDir } from '../../reliability/lib/common.ts';
import { testRegistries } from '../setup/env.ts';

const failed = (cs: Check[]): string[] => cs.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);

describe('security review', () => {
  it('servers enforce request size limits (413/431, nothing written, still serving)', async () => {
    const cs = await limitChecks();
    expect(cs.length).toBeGreaterThan(8);
    expect(failed(cs)).toEqual([]);
  });

  it('no path traversal out of the embedded registry storage', async () => {
    const cs = await traversalChecks();
    expect(failed(cs)).toEqual([]);
  });

  it('secrets never reach CLI output, even on errors; secret files are 0600 under umask 000', async () => {
    const r = testRegistries();
    const work = tempDir('secrets-test');
    const cs = await secretChecks({ host: r.auth, user: r.user, password: r.password }, false, work);
    expect(cs.some((c) => c.name.startsWith('no secret in'))).toBe(true);
    expect(failed(cs)).toEqual([]);
    expect(failed(await modeChecksInProcess(work))).toEqual([]);
  }, 180_000);
});
