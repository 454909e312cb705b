import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { runStorageContract } from '../../../src/storage/contract.ts';
import { OciStorageBackend } from '../../../src/storage/oci/backend.ts';
import { OciReader } from '../../../src/storage/oci/reader.ts';
import { startRegistryServer, type RunningRegistry } from '../../../src/registry/server/server.ts';
import type { RegistryClient } from '../../../src/registry/client.ts';
import { clientFor, hostOf, uniqueRepo, type RegistryKind } from '../../registry/helpers.ts';
import { bundleReader, legacyReader, pushRandomImage } from './helpers.ts';

const servers: Record<string, RunningRegistry> = {};
beforeAll(async () => {
  servers.memory = await startRegistryServer({ addr: '127.0.0.1:0' });
  servers.file = await startRegistryServer({
    addr: '127.0.0.1:0',
    dir: mkdtempSync(join(tmpdir(), 'chains-embedded-')),
  });
});
afterAll(async () => {
  for (const s of Object.values(servers)) await s.close();
});

type Target = { name: string; kind: RegistryKind | 'embedded'; host: () => string };
const targets: Target[] = [
  { name: 'docker-registry plain', kind: 'plain', host: () => hostOf('plain') },
  { name: 'docker-registry Basic auth', kind: 'auth', host: () => hostOf('auth') },
  { name: 'docker-registry TLS+auth', kind: 'tls', host: () => hostOf('tls') },
  { name: 'embedded in-memory', kind: 'embedded', host: () => servers.memory!.host },
  { name: 'embedded file-backed', kind: 'embedded', host: () => servers.file!.host },
];

for (const t of targets) {
  let client: RegistryClient | undefined;
  const c = (): RegistryClient => (client ??= clientFor(t.kind));
  runStorageContract({
    storage: 'oci',
    name: `oci dsse on ${t.name}`,
    backend: () => new OciStorageBackend({ client: c() }),
    image: () => pushRandomImage(c(), t.host(), uniqueRepo('contract')),
    read: (req, subject) => legacyReader(new OciReader(c()))(req, subject),
    storesRunPayload: false,
    repeated: 'append',
  });
  if (t.kind === 'plain' || t.kind === 'embedded') {
    runStorageContract({
      storage: 'oci',
      name: `oci sigstore-bundle on ${t.name}`,
      backend: () => new OciStorageBackend({ client: c(), encoding: 'sigstore-bundle' }),
      image: () => pushRandomImage(c(), t.host(), uniqueRepo('bundle')),
      read: (req, subject) => bundleReader(new OciReader(c()))(req, subject),
      storesRunPayload: false,
      repeated: 'append',
    });
  }
}

const overrideRepo = uniqueRepo('override/sigs');
runStorageContract({
  storage: 'oci',
  name: 'oci dsse with storage.oci.repository override',
  backend: () =>
    new OciStorageBackend({ client: clientFor('plain'), repository: `${hostOf('plain')}/${overrideRepo}` }),
  image: () => pushRandomImage(clientFor('plain'), hostOf('plain'), uniqueRepo('src')),
  read: (req, subject) =>
    legacyReader(new OciReader(clientFor('plain'), { repository: `${hostOf('plain')}/${overrideRepo}` }))(
      req,
      subject,
    ),
  storesRunPayload: false,
  repeated: 'append',
});
