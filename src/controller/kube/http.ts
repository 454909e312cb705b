import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { formatHostPort, parseHostPort } from '../../core/address.ts';
import { requestPath } from '../../core/http-server.ts';
import type { PromRegistry } from '../metrics.ts';

export interface HealthServer {
  url: string;
  close(): Promise<void>;
}

/** `/metrics` (Prometheus text 0.0.4), `/healthz` (alive) and `/readyz` (caches synced). */
export async function startHealthServer(
  addr: string,
  registry: PromRegistry,
  ready: () => boolean,
  beforeScrape: () => void = () => undefined,
): Promise<HealthServer> {
  const server: Server = createServer((req, res) => {
    const path = requestPath(req.url);
    if (path === '/metrics') {
      beforeScrape();
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      return void res.end(registry.render());
    }
    if (path === '/healthz') return void res.end('ok\n');
    if (path === '/readyz') {
      const ok = ready();
      res.writeHead(ok ? 200 : 503);
      return void res.end(ok ? 'ok\n' : 'informers not synced\n');
    }
    res.writeHead(404);
    res.end('not found\n');
  });
  const { host, port } = parseHostPort(addr, '0.0.0.0');
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => ok());
  });
  const a = server.address() as AddressInfo;
  return {
    // a wildcard listener is reached over loopback
    url: `http://${formatHostPort(a.address === '0.0.0.0' ? '127.0.0.1' : a.address === '::' ? '::1' : a.address, a.port)}`,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
