import { describe, expect, it } from 'vitest';
import { staticKeychain } from '../../src/registry/keychain.ts';
import { RegistryClient } from '../../src/registry/client.ts';
import { pushBlob } from '../../src/registry/upload.ts';
import { testRegistries } from '../setup/env.ts';

/**
 * `insecureRegistries` against the real self-signed TLS docker-registry: reached as 127.0.0.1:PORT it is listed
 * (unverified TLS allowed), reached as localhost:PORT (the same server, another registry name) it is not.
 */
describe('per-registry insecure TLS', () => {
  const r = testRegistries();
  const port = r.tls.split(':')[1] ?? '';
  const other = `localhost:${port}`;
  const cred = { kind: 'basic' as const, username: r.user, password: r.password };
  const client = new RegistryClient({
    keychain: { resolve: async (reg) => (reg === r.tls || reg === other ? cred : undefined) },
    insecureRegistries: [r.tls],
  });

  it('skips verification for the listed registry only', async () => {
    await pushBlob(client, { registry: r.tls, repository: 'insecure/listed' }, Buffer.from('listed'));
    await expect(
      pushBlob(client, { registry: other, repository: 'insecure/other' }, Buffer.from('other')),
    ).rejects.toMatchObject({ code: 'TLS_ERROR' });
  });

  it('a registry not listed still verifies against an extra CA', async () => {
    const withCa = new RegistryClient({
      keychain: staticKeychain(other, cred),
      insecureRegistries: ['127.0.0.1:1'],
      caCert: await import('node:fs').then((fs) => fs.readFileSync(r.caCert)),
    });
    await pushBlob(withCa, { registry: other, repository: 'insecure/ca' }, Buffer.from('with ca'));
  });
});
