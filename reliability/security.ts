import { tempDir, say } from './lib/common.ts';
import type { SuiteOptions, SuiteResult } from './lib/common.ts';
import { startRegistries } from '../test/setup/registries.ts';
import { limitChecks } from './security/limits.ts';
import { modeChecks } from './security/modes.ts';
import { secretChecks } from './security/secrets.ts';
import type { Check } from './security/run.ts';
import { traversalChecks } from './security/traversal.ts';

/** (f) Security review checks: request limits, registry path traversal, secrets in output, file modes. */
export default async function security(_o: SuiteOptions): Promise<SuiteResult> {
  const all: Check[] = [];
  // a real docker-registry with htpasswd, as the test setup starts it, for the registry-credential checks
  const { regs, stop } = await startRegistries(tempDir('sec-registries'));
  const auth = { host: regs.auth, user: regs.user, password: regs.password };
  const groups = [limitChecks, traversalChecks, () => secretChecks(auth), modeChecks];
  try {
    for (const group of groups)
      for (const c of await group()) {
        all.push(c);
        say(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
      }
  } finally {
    stop();
  }
  const failed = all.filter((c) => !c.ok);
  return {
    ok: failed.length === 0,
    figures: {
      checks: all.length,
      passed: all.length - failed.length,
      failed: failed.map((c) => c.name).join('; ') || 0,
    },
  };
}
