import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRegistries } from './registries.ts';

/**
 * Starts real Debian docker-registry instances once for the whole run and exposes them to test workers
 * through CHAINS_TEST_REGISTRIES (JSON of TestRegistries); read it with `testRegistries()` from ./env.ts.
 */
export default async function setup(): Promise<() => void> {
  const dir = mkdtempSync(join(tmpdir(), 'chains-reg-'));
  const { regs, stop } = await startRegistries(dir);
  process.env.CHAINS_TEST_REGISTRIES = JSON.stringify(regs);
  return () => {
    stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
