import {
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  type V1ConfigMap,
  type V1Secret,
} from '@kubernetes/client-node';
import type { ConfigStore } from '../../config/store.ts';
import type { Logger } from '../log.ts';
import { silentLogger } from '../log.ts';
import { ControllerLoop } from '../loop.ts';
import type { ChainsMetrics } from '../metrics.ts';
import type { Orchestrator } from '../orchestrator.ts';
import type { RunDoc } from '../ports.ts';
import { Reconciler, type RunKind } from '../reconciler.ts';
import type { SecretSignerSource } from '../signer-source.ts';
import { startHealthServer, type HealthServer } from './http.ts';
import { Informer, type DeliveryOrigin, type KubeList } from './informer.ts';
import { LeaseElector } from './leader.ts';
import { KubeRuns } from './runs.ts';
import { ServiceAccountKeychains } from './keychain.ts';

export const CONFIG_MAP = 'chains-config';
export const SIGNING_SECRET = 'signing-secrets';
export const LEASE_NAME = 'tekton-chains-controller';

export interface KubeControllerOptions {
  kc: KubeConfig;
  systemNamespace: string;
  /** watch only these namespaces (one informer each); all when empty */
  namespaces: string[];
  threads: number;
  config: ConfigStore;
  signer: SecretSignerSource;
  metrics: ChainsMetrics;
  /** the composition root builds the orchestrator around our run access and registry keychains */
  orchestrator(runs: KubeRuns, keychains: ServiceAccountKeychains): Orchestrator;
  identity: string;
  metricsAddr?: string;
  resyncMs?: number;
  lease?: { durationSec: number; renewMs: number; retryMs: number };
  queue?: { baseDelayMs: number; maxDelayMs: number };
  onLostLeadership?(): void;
  log?: Logger;
}

export interface KubeController {
  loop: ControllerLoop;
  runs: KubeRuns;
  elector: LeaseElector;
  health?: HealthServer;
  informers: Informer<RunDoc>[];
  stop(): Promise<void>;
}

const decode = (data: Record<string, string> | undefined): Record<string, Buffer> =>
  Object.fromEntries(Object.entries(data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]));

/** managedFields are often the largest part of a run and never read: not cached (memory with big backlogs). */
function slim(doc: RunDoc): RunDoc {
  if (doc.metadata.managedFields === undefined) return doc;
  const { managedFields: _drop, ...metadata } = doc.metadata;
  return { ...doc, metadata };
}

/** Informers over TaskRuns and PipelineRuns (all namespaces, or each given one); also the console's run source. */
export function runInformers(
  o: Pick<KubeControllerOptions, 'kc' | 'namespaces' | 'resyncMs'>,
  onRun: (doc: RunDoc, origin: DeliveryOrigin) => void,
  log: Logger,
): Informer<RunDoc>[] {
  const api = o.kc.makeApiClient(CustomObjectsApi);
  const scopes = o.namespaces.length ? o.namespaces : [undefined];
  const out: Informer<RunDoc>[] = [];
  for (const plural of ['taskruns', 'pipelineruns'])
    for (const ns of scopes) {
      const path = ns ? `/apis/tekton.dev/v1/namespaces/${ns}/${plural}` : `/apis/tekton.dev/v1/${plural}`;
      const list = async () =>
        (ns
          ? await api.listNamespacedCustomObject({
              group: 'tekton.dev',
              version: 'v1',
              namespace: ns,
              plural,
            })
          : await api.listClusterCustomObject({
              group: 'tekton.dev',
              version: 'v1',
              plural,
            })) as KubeList<RunDoc>;
      out.push(
        new Informer<RunDoc>({
          kc: o.kc,
          path,
          list,
          onAdd: onRun,
          onUpdate: (doc, _old, origin) => onRun(doc, origin),
          transform: slim,
          resyncMs: o.resyncMs ?? 600_000,
          log,
        }),
      );
    }
  return out;
}

/** Watches chains-config (a bad edit keeps the previous config) and signing-secrets (reloaded on change). */
function systemInformers(o: KubeControllerOptions, log: Logger): [Informer<V1ConfigMap>, Informer<V1Secret>] {
  const core = o.kc.makeApiClient(CoreV1Api);
  const ns = o.systemNamespace;
  const applyConfig = (cm: V1ConfigMap) =>
    o.config.update(cm.data ?? {}, `${ns}/${CONFIG_MAP}`) &&
    log('info', 'config applied', { configMap: CONFIG_MAP });
  const applySecret = (s: V1Secret) => {
    o.signer.update(decode(s.data));
    log('info', 'signing secret (re)loaded', { secret: SIGNING_SECRET, keys: Object.keys(s.data ?? {}) });
  };
  const cm = new Informer<V1ConfigMap>({
    kc: o.kc,
    path: `/api/v1/namespaces/${ns}/configmaps`,
    fieldSelector: `metadata.name=${CONFIG_MAP}`,
    list: () =>
      core.listNamespacedConfigMap({
        namespace: ns,
        fieldSelector: `metadata.name=${CONFIG_MAP}`,
      }) as Promise<KubeList<V1ConfigMap>>,
    onAdd: applyConfig,
    onUpdate: applyConfig,
    onDelete: () => o.config.update({}, `${ns}/${CONFIG_MAP} (deleted: defaults)`),
    log,
  });
  const secret = new Informer<V1Secret>({
    kc: o.kc,
    path: `/api/v1/namespaces/${ns}/secrets`,
    fieldSelector: `metadata.name=${SIGNING_SECRET}`,
    list: () =>
      core.listNamespacedSecret({
        namespace: ns,
        fieldSelector: `metadata.name=${SIGNING_SECRET}`,
      }) as Promise<KubeList<V1Secret>>,
    onAdd: applySecret,
    onUpdate: applySecret,
    onDelete: () => o.signer.update(undefined),
    log,
  });
  return [cm, secret];
}

/**
 * `chains controller` against a cluster: informers for TaskRuns/PipelineRuns (per namespace when given), the
 * config and signing secret watched, a bounded work queue whose workers run only while this replica holds the
 * Lease, and /metrics, /healthz, /readyz.
 */
export async function startKubeController(o: KubeControllerOptions): Promise<KubeController> {
  const log = o.log ?? silentLogger;
  const runs = new KubeRuns(o.kc);
  const keychains = new ServiceAccountKeychains(o.kc, log);
  const informers: Informer<RunDoc>[] = [];
  const cache = {
    get(kind: RunKind, namespace: string, name: string): RunDoc | undefined {
      const plural = kind === 'PipelineRun' ? '/pipelineruns' : '/taskruns';
      for (const inf of informers) {
        if (!inf.path.endsWith(plural)) continue;
        const hit = inf.get(namespace, name);
        if (hit) return hit;
      }
      return undefined;
    },
  };
  const reconciler = new Reconciler({
    cache,
    runs,
    orchestrator: o.orchestrator(runs, keychains),
    filter: () => o.config.current.filter,
    namespaces: o.namespaces,
    finalizers: runs,
    log,
  });
  const loop = new ControllerLoop(
    reconciler,
    {
      workers: o.threads,
      maxLength: 1_000_000,
      baseDelayMs: o.queue?.baseDelayMs ?? 1000,
      maxDelayMs: o.queue?.maxDelayMs ?? 300_000,
    },
    log,
  );
  const [cmInf, secretInf] = systemInformers(o, log);
  await Promise.all([cmInf.start(), secretInf.start()]);
  // watch events go first; the initial list and resyncs are the backlog (Chains #979)
  const created = runInformers(
    o,
    (doc, origin) => loop.enqueue(doc, origin === 'live' ? 'fresh' : 'backlog'),
    log,
  );
  informers.push(...created);
  await Promise.all(informers.map((i) => i.start()));
  const elector = new LeaseElector({
    kc: o.kc,
    namespace: o.systemNamespace,
    name: LEASE_NAME,
    identity: o.identity,
    leaseDurationSec: o.lease?.durationSec ?? 60,
    renewMs: o.lease?.renewMs ?? 40_000,
    retryMs: o.lease?.retryMs ?? 10_000,
    onStartedLeading: () => loop.start(),
    onStoppedLeading: () => o.onLostLeadership?.(),
    log,
  });
  elector.start();
  const registry = o.metrics.registry;
  const health = o.metricsAddr
    ? await startHealthServer(
        o.metricsAddr,
        registry,
        () => true,
        () => {
          registry.set('workqueue_depth', 'Current depth of the work queue', loop.queue.length, {
            name: 'chains',
          });
          registry.set('chains_leader', 'Whether this replica holds the Lease', elector.leading ? 1 : 0);
        },
      )
    : undefined;
  return {
    loop,
    runs,
    elector,
    informers,
    ...(health ? { health } : {}),
    stop: async () => {
      for (const i of [...informers, cmInf, secretInf]) i.stop();
      await elector.stop();
      await loop.stop();
      await health?.close();
    },
  };
}
