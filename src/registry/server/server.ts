import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { formatHostPort, parseHostPort } from '../../core/address.ts';
import { RegistryData } from './data.ts';
import { SqliteStore } from './sqlite-store.ts';
import { MemoryStore } from './store.ts';
import { registryHandler } from './router.ts';

export interface RegistryServerOptions {
  /** `host:port`; port 0 picks a free one. Default 127.0.0.1:5000 */
  addr?: string;
  /** file-backed storage root; in-memory when absent */
  dir?: string;
  /** default 4 MiB (distribution's limit) */
  maxManifestBytes?: number;
  /** largest blob accepted; default 256 MiB */
  maxBlobBytes?: number;
}

export interface RunningRegistry {
  /** `host:port` to use in image references */
  host: string;
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** Start the embedded OCI registry (`chains registry serve`). */
export async function startRegistryServer(opts: RegistryServerOptions = {}): Promise<RunningRegistry> {
  const addr = opts.addr ?? '127.0.0.1:5000';
  const { host: hostname, port } = parseHostPort(addr);
  const data = new RegistryData(opts.dir ? await SqliteStore.open(opts.dir) : new MemoryStore());
  const handler = registryHandler(data, {
    maxManifestBytes: opts.maxManifestBytes ?? 4 * 1024 * 1024,
    maxBlobBytes: opts.maxBlobBytes ?? 256 * 1024 * 1024,
  });
  const server = createServer((req, res) => void handler(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) => {
      data.close(); // the directory lock is not kept by a server that never started
      reject(e);
    });
    server.listen(port, hostname, () => resolve());
  });
  const a = server.address() as AddressInfo;
  const host = formatHostPort(a.address, a.port);
  return {
    host,
    url: `http://${host}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          data.close();
          resolve();
        });
      }),
  };
}
