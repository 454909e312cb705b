import { ConfigStore } from '../../config/store.ts';
import { defaultConfig, parseConfig } from '../../config/parse.ts';
import { configDataFromYaml } from '../../config/file.ts';
import type { ChainsConfig } from '../../config/types.ts';
import { RunDirectory } from '../../controller/local/run-directory.ts';
import type { Logger } from '../../controller/log.ts';
import { ControllerLoop } from '../../controller/loop.ts';
import type { MetricsRecorder } from '../../controller/metrics.ts';
import type { SignerSource } from '../../controller/ports.ts';
import { Reconciler } from '../../controller/reconciler.ts';
import type { Keychain } from '../../registry/keychain.ts';
import { readText } from '../io.ts';
import { buildOrchestrator } from './wiring.ts';

/** Local mode's config: a YAML file (ConfigMap or flat map) or the defaults, with local storage defaults. */
export function loadLocalConfig(file: string | undefined, log: Logger): ConfigStore {
  const cfg: ChainsConfig = file
    ? parseConfig(configDataFromYaml(readText(file, 'config'), file))
    : defaultConfig();
  return new ConfigStore(cfg, (m) => log('warn', m));
}

export interface LocalControllerOptions {
  dir: string;
  config: ConfigStore;
  signer: SignerSource;
  storeDir: string;
  threads: number;
  log: Logger;
  metrics?: MetricsRecorder;
  keychain?: Keychain;
  /** retry backoff (ms): base and cap */
  baseDelayMs?: number;
  maxDelayMs?: number;
  scanIntervalMs?: number;
}

export interface LocalController {
  runs: RunDirectory;
  loop: ControllerLoop;
  stop(): Promise<void>;
}

/** `chains controller --local DIR`: the run directory is the cluster; annotations are written into the files. */
export async function startLocalController(o: LocalControllerOptions): Promise<LocalController> {
  const runs = new RunDirectory(o.dir, o.log);
  const keychain = o.keychain;
  const orchestrator = buildOrchestrator({
    config: o.config,
    signer: o.signer,
    runs,
    annotations: runs,
    localDir: o.storeDir,
    ...(keychain ? { keychainFor: async () => keychain } : {}),
    ...(o.metrics ? { metrics: o.metrics } : {}),
    log: o.log,
  });
  const reconciler = new Reconciler({
    cache: runs,
    runs,
    orchestrator,
    filter: () => o.config.current.filter,
    log: o.log,
  });
  const loop = new ControllerLoop(
    reconciler,
    {
      workers: o.threads,
      maxLength: 100_000,
      baseDelayMs: o.baseDelayMs ?? 250,
      maxDelayMs: o.maxDelayMs ?? 60_000,
    },
    o.log,
  );
  loop.start();
  await runs.watch((doc) => loop.enqueue(doc), o.scanIntervalMs);
  return {
    runs,
    loop,
    stop: async () => {
      runs.close();
      await loop.stop();
    },
  };
}
