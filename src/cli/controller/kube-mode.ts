import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { ConfigStore } from '../../config/store.ts';
import { defaultConfig, parseConfig } from '../../config/parse.ts';
import type { ChainsConfig } from '../../config/types.ts';
import { startKubeController, CONFIG_MAP, type KubeController } from '../../controller/kube/controller.ts';
import { jsonLogger, type Logger } from '../../controller/log.ts';
import {
  effectiveLimits,
  kubeApiLimitsFrom,
  limitKubeConfig,
  TokenBucket,
} from '../../controller/kube/rate-limit.ts';
import { ChainsMetrics } from '../../controller/metrics.ts';
import { SecretSignerSource } from '../../controller/signer-source.ts';
import type { RunDoc } from '../../controller/ports.ts';
import { multiKeychain, type Keychain } from '../../registry/keychain.ts';
import { dockerKeychain } from '../docker-keychain.ts';
import { stopSignal } from '../signals.ts';
import { buildOrchestrator } from './wiring.ts';

export interface KubeFlags {
  kubeconfig?: string;
  namespace?: string;
  threads: number;
  kubeApiQps?: string;
  kubeApiBurst?: string;
  store?: string;
  metricsAddr: string;
  systemNamespace: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
}

/** Where the service account token, CA and namespace are mounted in a pod (a prefix lets tests relocate it). */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface KubeConfigSource {
  /** prepended to SERVICE_ACCOUNT_DIR (client-node's loadFromCluster pathPrefix) */
  root?: string;
}

/**
 * controller-runtime's order: --kubeconfig FILE, $KUBECONFIG, in-cluster (service host env + mounted token),
 * then ~/.kube/config. client-node's loadFromDefault would prefer ~/.kube/config over the pod's own identity.
 */
export function loadKubeConfig(file?: string, src: KubeConfigSource = {}): KubeConfig {
  const env = process.env;
  const kc = new KubeConfig();
  if (file) kc.loadFromFile(file);
  else if (!env.KUBECONFIG && env.KUBERNETES_SERVICE_HOST && existsSync(inCluster(src, 'token')))
    kc.loadFromCluster(src.root ?? '');
  else kc.loadFromDefault();
  return kc;
}

const inCluster = (src: KubeConfigSource, file: string): string =>
  `${src.root ?? ''}${SERVICE_ACCOUNT_DIR}/${file}`;

/** The config at startup: an invalid chains-config is fatal then (later bad edits are only logged). */
async function initialConfig(kc: KubeConfig, ns: string): Promise<ChainsConfig> {
  try {
    const cm = await kc.makeApiClient(CoreV1Api).readNamespacedConfigMap({ namespace: ns, name: CONFIG_MAP });
    return parseConfig(cm.data ?? {});
  } catch (e) {
    if ((e as { code?: number }).code === 404) return defaultConfig();
    throw e;
  }
}

export interface StartedKube {
  controller: KubeController;
  config: ConfigStore;
}

/** Compose and start the Kubernetes controller (used by the command and by tests/benchmarks). */
export interface KubeStartOptions {
  systemNamespace: string;
  threads: number;
  namespace?: string;
  store?: string;
  metricsAddr?: string;
  identity?: string;
  lease?: { durationSec: number; renewMs: number; retryMs: number };
  queue?: { baseDelayMs: number; maxDelayMs: number };
  resyncMs?: number;
  /** the controller process's own docker config, tried after the run's ServiceAccount secrets (as k8schain) */
  keychain?: Keychain;
}

/** k8schain's order: the run's ServiceAccount secrets, then the default keychain; one object per SA keychain. */
function withDefaultKeychain(
  forRun: (run: RunDoc) => Promise<Keychain>,
  fallback: Keychain | undefined,
): (run: RunDoc) => Promise<Keychain> {
  if (!fallback) return forRun;
  const combined = new WeakMap<Keychain, Keychain>();
  return async (run) => {
    const sa = await forRun(run);
    let k = combined.get(sa);
    if (!k) combined.set(sa, (k = multiKeychain(sa, fallback)));
    return k;
  };
}

export async function startKube(
  kc: KubeConfig,
  f: KubeStartOptions,
  log: Logger,
  onLost?: () => void,
): Promise<StartedKube> {
  const config = new ConfigStore(await initialConfig(kc, f.systemNamespace), (m) => log('warn', m));
  // signers.x509.fulcio.enabled: the keyless signer reads the current config's Fulcio and token settings
  const signer = new SecretSignerSource(undefined, { x509: () => config.current.signers.x509 });
  const metrics = new ChainsMetrics();
  const controller = await startKubeController({
    kc,
    systemNamespace: f.systemNamespace,
    namespaces: (f.namespace ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    threads: f.threads,
    config,
    signer,
    metrics,
    identity: f.identity ?? `${hostname()}_${randomUUID().slice(0, 8)}`,
    orchestrator: (runs, keychains) =>
      buildOrchestrator({
        config,
        signer,
        runs,
        annotations: runs,
        keychainFor: withDefaultKeychain((run) => keychains.forRun(run), f.keychain),
        localDir: f.store ?? '/var/lib/chains/store',
        metrics,
        log,
      }),
    ...(f.metricsAddr ? { metricsAddr: f.metricsAddr } : {}),
    ...(f.lease ? { lease: f.lease } : {}),
    ...(f.queue ? { queue: f.queue } : {}),
    ...(f.resyncMs ? { resyncMs: f.resyncMs } : {}),
    ...(onLost ? { onLostLeadership: onLost } : {}),
    log,
  });
  return { controller, config };
}

/**
 * `chains controller [--kubeconfig F] [--namespace a,b] [--threads-per-controller N] [--kube-api-qps Q]
 * [--kube-api-burst B]`: runs until SIGINT/SIGTERM or lost leadership.
 */
export async function runKubeController(f: KubeFlags): Promise<void> {
  const log = jsonLogger((l) => void process.stderr.write(l), f.logLevel);
  const limits = effectiveLimits(kubeApiLimitsFrom(f));
  const kc = limitKubeConfig(loadKubeConfig(f.kubeconfig), new TokenBucket(limits.qps, limits.burst));
  const signalled = stopSignal();
  let leaseLost!: () => void;
  const lost = new Promise<void>((r) => (leaseLost = r));
  const docker = dockerKeychain();
  const { controller } = await startKube(kc, { ...f, ...(docker ? { keychain: docker } : {}) }, log, () => {
    log('error', 'lost the leader lease: exiting so a fresh replica can take over');
    process.exitCode = 1;
    leaseLost();
  });

  log('info', 'controller started', {
    cluster: kc.getCurrentCluster()?.server,
    metrics: controller.health?.url,
    threads: f.threads,
    kubeApiQps: limits.qps,
    kubeApiBurst: limits.burst,
  });
  await Promise.race([signalled, lost]);
  await controller.stop();
}
