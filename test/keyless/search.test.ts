import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mintToken } from '../../src/oidc/issuer/index.ts';
import { startStack } from '../../src/stack/index.ts';
import type { RunningStack } from '../../src/stack/index.ts';
import { chains } from '../keys/helpers.ts';
import { tempDir } from '../tlog/helpers.ts';

/** A keyless signature by an email identity is found by `tlog search --email` (the log indexes the SAN). */

const EMAIL = 'dev@example.com';
const dir = tempDir('keyless-search-');
let stack: RunningStack;

beforeAll(async () => {
  stack = await startStack({
    dir: join(dir, 'stack'),
    identityType: 'email',
    ports: { registry: 0, tlog: 0, ca: 0, ctlog: 0, oidc: 0 },
  });
}, 60_000);
afterAll(async () => stack?.close());

it('tlog search --email finds the keyless entry, and only for that email', async () => {
  const blob = join(dir, 'blob');
  writeFileSync(blob, 'searched by email\n');
  const token = await mintToken({ dir: stack.dirs.oidc, email: EMAIL, subject: EMAIL });
  const u = stack.urls;
  const s = await chains(['sign-blob', blob, '--fulcio-url', u.fulcio, '--rekor-url', u.rekor], {
    cwd: dir,
    env: { SIGSTORE_ID_TOKEN: token },
  });
  expect(s.code, s.stderr).toBe(0);
  const found = await chains(['tlog', 'search', '--email', EMAIL, '--rekor-server', u.rekor], { cwd: dir });
  expect(found.code, found.stderr).toBe(0);
  expect(found.stdout.trim().split('\n')).toHaveLength(1);
  const none = await chains(['tlog', 'search', '--email', 'other@example.com', '--rekor-server', u.rekor], {
    cwd: dir,
  });
  expect(none.stdout.trim()).toBe('');
});
