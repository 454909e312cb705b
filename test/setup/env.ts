import type { TestRegistries } from './registries.ts';

/** Registries started by global-setup.ts; throws when the setup did not run. */
export function testRegistries(): TestRegistries {
  const raw = process.env.CHAINS_TEST_REGISTRIES;
  if (!raw) throw new Error('CHAINS_TEST_REGISTRIES is not set: run tests through vitest (global setup)');
  return JSON.parse(raw) as TestRegistries;
}

/** Interop vectors copied from upstream projects (test/vectors/SOURCES.md names each set's origin). */
export const VECTORS = new URL('../vectors/', import.meta.url).pathname;
