import type { ChainsConfig } from '../../config/types.ts';
import type { ConfigStore } from '../../config/store.ts';
import { ChainsPayloadBuilder } from '../../controller/payloads.ts';
import type { Logger } from '../../controller/log.ts';
import type { MetricsRecorder } from '../../controller/metrics.ts';
import { Orchestrator } from '../../controller/orchestrator.ts';
import type { RunAccess, RunDoc, SignerSource } from '../../controller/ports.ts';
import { anonymous, type Keychain } from '../../registry/keychain.ts';
import { manifestDigests } from '../../registry/index-walk.ts';
import { parseRepository } from '../../registry/reference.ts';
import { RegistryClient } from '../../registry/client.ts';
import type { ImageTarget, StorageBackend } from '../../storage/backend.ts';
import { LocalBackend } from '../../storage/local/local.ts';
import type { StorageBackends } from '../../storage/registry.ts';
import { OciStorageBackend } from '../../storage/oci/backend.ts';
import { TektonBackend, type AnnotationWriter } from '../../storage/tekton/tekton.ts';
import { switchingUploader } from '../tlog-wiring.ts';

export interface WiringOptions {
  config: ConfigStore;
  signer: SignerSource;
  runs: RunAccess;
  annotations: AnnotationWriter;
  /** registry credentials for a run (Kubernetes: its ServiceAccount's dockerconfigjson secrets) */
  keychainFor?: (run: RunDoc) => Promise<Keychain>;
  /** default directory of the `local` backend when storage.local.dir is unset */
  localDir: string;
  metrics?: MetricsRecorder;
  log?: Logger;
  /** extra CA for registry TLS */
  caCert?: string;
}

/**
 * `storage.oci.repository.insecure` lets the override repository's registry use plain HTTP or unverified TLS,
 * and no other registry (Chains turns TLS verification off for every registry it talks to).
 */
function insecureRegistries(cfg: ChainsConfig): string[] {
  const { insecure, repository } = cfg.storage.oci;
  return insecure && repository ? [parseRepository(repository).registry] : [];
}

/** Composition root of the controller: concrete backends, log client and formatter from the current config. */
export function buildOrchestrator(o: WiringOptions): Orchestrator {
  const tekton = new TektonBackend(o.annotations);
  const locals = new Map<string, LocalBackend>();
  // one registry client per keychain and TLS setting: keeps pings, tokens and connections across runs
  const clients = new WeakMap<Keychain, { insecure: string; client: RegistryClient }>();
  let warnedFor: ChainsConfig | undefined;
  const clientFor = async (run: RunDoc, cfg: ChainsConfig): Promise<RegistryClient> => {
    const keychain = o.keychainFor ? await o.keychainFor(run) : anonymous;
    const insecure = insecureRegistries(cfg);
    if (cfg.storage.oci.insecure && !insecure.length && warnedFor !== cfg) {
      warnedFor = cfg;
      o.log?.('warn', 'storage.oci.repository.insecure has no effect without storage.oci.repository');
    }
    let cached = clients.get(keychain);
    if (!cached || cached.insecure !== insecure.join(',')) {
      const client = new RegistryClient({
        keychain,
        insecureRegistries: insecure,
        ...(o.caCert ? { caCert: o.caCert } : {}),
      });
      clients.set(keychain, (cached = { insecure: insecure.join(','), client }));
    }
    return cached.client;
  };
  const backends = async (run: RunDoc): Promise<ReadonlyMap<string, StorageBackend>> => {
    const cfg: ChainsConfig = o.config.current;
    const dir = cfg.storage.local.dir ?? o.localDir;
    let local = locals.get(dir);
    if (!local) locals.set(dir, (local = new LocalBackend(dir)));
    const oci = new OciStorageBackend({
      client: await clientFor(run, cfg),
      encoding: cfg.storage.oci.encodingFormat,
      ...(cfg.storage.oci.repository ? { repository: cfg.storage.oci.repository } : {}),
    });
    const all: StorageBackends = { tekton, oci, local };
    return new Map<string, StorageBackend>(Object.entries(all));
  };
  const indexChildren = async (run: RunDoc, image: ImageTarget): Promise<ImageTarget[]> => {
    const client = await clientFor(run, o.config.current);
    const repo = parseRepository(image.repository);
    const all = await manifestDigests(client, repo, image.digest, { recursive: true });
    return all.slice(1).map((digest) => ({ repository: image.repository, digest }));
  };
  return new Orchestrator({
    signer: o.signer,
    payloads: new ChainsPayloadBuilder(() => o.config.current),
    backends,
    runs: o.runs,
    tlog: switchingUploader(o.config),
    options: () => o.config.current,
    indexChildren,
    ...(o.metrics ? { metrics: o.metrics } : {}),
    ...(o.log ? { log: o.log } : {}),
  });
}
