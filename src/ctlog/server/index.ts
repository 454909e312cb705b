import { X509Certificate } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { formatHostPort, parseHostPort } from '../../core/address.ts';
import { systemClock } from '../../core/clock.ts';
import type { Clock } from '../../core/clock.ts';
import { decodePemAll, encodePem } from '../../core/encoding.ts';
import { CtLogError } from './errors.ts';
import { createCtHttpServer } from './http.ts';
import { loadOrCreateCtKey } from './key.ts';
import { CtLog } from './log.ts';
import { CtStore } from './store.ts';

export { CtLog } from './log.ts';

export interface CtLogServerOptions {
  /** Holds ctlog.db and ctlog.key (created when missing). */
  dir: string;
  /** host:port; port 0 picks a free one. Default 127.0.0.1:6962. */
  addr?: string;
  /** Accepted roots: PEM text with one or more certificates. */
  rootsPem?: string;
  clock?: Clock;
  maxBodyBytes?: number;
}

export interface RunningCtLog {
  url: string;
  log: CtLog;
  publicKeyPem: string;
  close(): Promise<void>;
}

/** Parse accepted roots from PEM text; a bad root is a start-up error, not a silently smaller trust set. */
export function parseRoots(pem: string): X509Certificate[] {
  const blocks = decodePemAll(pem).filter((b) => b.type === 'CERTIFICATE');
  return blocks.map((b, i) => {
    try {
      return new X509Certificate(b.bytes);
    } catch (e) {
      throw new CtLogError('CT_CERT_INVALID', `accepted root #${i + 1} is not a certificate`, { cause: e });
    }
  });
}

export function ctLogPaths(dir: string): { db: string; key: string } {
  return { db: join(dir, 'ctlog.db'), key: join(dir, 'ctlog.key') };
}

/** Start an RFC 6962 CT log over HTTP (`chains ctlog serve`, `chains stack serve`). */
export async function startCtLogServer(o: CtLogServerOptions): Promise<RunningCtLog> {
  const { host, port } = parseHostPort(o.addr ?? '127.0.0.1:6962');
  mkdirSync(o.dir, { recursive: true, mode: 0o700 });
  const paths = ctLogPaths(o.dir);
  const key = loadOrCreateCtKey(paths.key);
  const store = new CtStore(paths.db);
  const log = new CtLog(store, key, parseRoots(o.rootsPem ?? ''), o.clock ?? systemClock);
  const server = createCtHttpServer(log, { maxBodyBytes: o.maxBodyBytes });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  }).catch((e: unknown) => {
    store.close();
    throw e;
  });
  const a = server.address() as AddressInfo;
  return {
    url: `http://${formatHostPort(a.address, a.port)}`,
    log,
    publicKeyPem: encodePem('PUBLIC KEY', log.publicKey.export({ type: 'spki', format: 'der' })),
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await log.drain();
      store.close();
    },
  };
}
