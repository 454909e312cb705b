import { join } from 'node:path';
import { vi } from 'vitest';
import { startStack, type RunningStack } from '../../src/stack/index.ts';

/**
 * The stack with its CA made an hour ago, so a certificate a test issues "20 minutes ago" (to log an entry after
 * it expired) still chains at its issuance time.
 */
export async function startBackdatedStack(dir: string): Promise<RunningStack> {
  vi.useFakeTimers({ toFake: ['Date'], now: Date.now() - 60 * 60_000 });
  try {
    return await startStack({
      dir: join(dir, 'stack'),
      ports: { registry: 0, tlog: 0, ca: 0, ctlog: 0, oidc: 0 },
    });
  } finally {
    vi.useRealTimers();
  }
}
