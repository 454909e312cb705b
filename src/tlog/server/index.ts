import type { AddressInfo } from 'node:net';
import { formatHostPort, parseHostPort } from '../../core/address.ts';
import { systemClock } from '../../core/clock.ts';
import type { Clock } from '../../core/clock.ts';
import { SqliteLogStore } from '../store/sqlite.ts';
import type { LogStore } from '../store/store.ts';
import { AppendPipeline } from './append.ts';
import { routeServer } from './receive.ts';
import { logRoutes } from './routes.ts';
import { TransparencyLog } from './log.ts';
import { VerifyPool } from './verify.ts';
import { MAX_BODY_BYTES, STORE_TUNING, defaultVerifyWorkers } from './tuning.ts';
import { loadOrCreateLogKey } from './logkey.ts';
import { SigningPolicy } from './policy.ts';

export { TransparencyLog } from './log.ts';
export { acceptProposed } from './kinds/index.ts';
export { prepareProposed } from './prepare.ts';
export type { Accepted } from './kinds/index.ts';
export type { Prepared } from './prepare.ts';
export { VerifyPool } from './verify.ts';
export { DEFAULT_POLICY, SigningPolicy } from './policy.ts';
export { loadOrCreateLogKey } from './logkey.ts';
export type { LogKey } from './logkey.ts';
export { entryJson } from './answer.ts';

export interface LogServerOptions {
  /** SQLite database file (created when missing). */
  dbPath: string;
  /** Log private key (PEM); generated there on first start. Default: `<dbPath>.key`. */
  keyPath?: string;
  /** host:port to listen on; port 0 picks a free one. Default 127.0.0.1:3000. */
  addr?: string;
  /** Checkpoint origin/signer name. Default: the host part of `addr`. */
  hostname?: string;
  clock?: Clock;
  maxBodyBytes?: number;
  maxBatch?: number;
  /** Where entries are verified: in this many worker threads, or in the event loop (0). Default: tuning.ts. */
  verifyWorkers?: number;
  /** Use another store instead of SQLite at dbPath. */
  store?: LogStore;
  /**
   * Allowed client signing algorithms for hashedrekord entries, by Rekor's flag names (rekor-server
   * `--client-signing-algorithms`). Default: Rekor's default list.
   */
  clientSigningAlgorithms?: readonly string[];
}

export interface RunningLogServer {
  /** Base URL, e.g. http://127.0.0.1:3000 */
  url: string;
  log: TransparencyLog;
  publicKeyPem: string;
  /** Entries copied from a schema-1 database on this start (0: none). */
  migrated: number;
  close(): Promise<void>;
}

/** Start a Rekor-compatible log over HTTP (used by `chains tlog serve`, the controller and `chains demo`). */
export async function startLogServer(o: LogServerOptions): Promise<RunningLogServer> {
  const { host, port } = parseHostPort(o.addr ?? '127.0.0.1:3000');
  const policy = new SigningPolicy(o.clientSigningAlgorithms); // refuse a bad name before anything starts
  const key = loadOrCreateLogKey(o.keyPath ?? `${o.dbPath}.key`);
  const store = o.store ?? new SqliteLogStore(o.dbPath, STORE_TUNING);
  const pool = new VerifyPool(o.verifyWorkers ?? defaultVerifyWorkers());
  if (o.clientSigningAlgorithms) pool.usePolicy(policy.names);
  const log = await TransparencyLog.open({
    store,
    key,
    hostname: o.hostname ?? host,
    clock: o.clock ?? systemClock,
    maxBatch: o.maxBatch,
  }).catch(async (e: unknown) => {
    await pool.close();
    throw e;
  });
  const routes = logRoutes(log, new AppendPipeline(log, pool).append);
  const server = routeServer(routes, o.maxBodyBytes ?? MAX_BODY_BYTES);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const a = server.address() as AddressInfo;
  return {
    url: `http://${formatHostPort(a.address, a.port)}`,
    log,
    publicKeyPem: key.publicKeyPem,
    migrated: store instanceof SqliteLogStore ? store.migrated : 0,
    close: async () => {
      await server.closeFast();
      await log.drain();
      await pool.close();
      await store.close();
    },
  };
}
