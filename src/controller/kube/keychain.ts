import { CoreV1Api, type KubeConfig, type V1Secret } from '@kubernetes/client-node';
import { describeError } from '../../core/errors.ts';
import { dockerConfigKeychain } from '../../registry/docker-config.ts';
import { anonymous, multiKeychain, type Keychain } from '../../registry/keychain.ts';
import type { Logger } from '../log.ts';
import { silentLogger } from '../log.ts';
import type { RunDoc } from '../ports.ts';

/** The run's ServiceAccount: TaskRun `spec.serviceAccountName`, PipelineRun `spec.taskRunTemplate.serviceAccountName`. */
export function serviceAccountOf(run: RunDoc): string {
  const spec = run.spec ?? {};
  const tpl = spec.taskRunTemplate as { serviceAccountName?: string } | undefined;
  const name =
    run.kind === 'PipelineRun' ? tpl?.serviceAccountName : (spec.serviceAccountName as string | undefined);
  return name || 'default';
}

/** docker config JSON from a dockerconfigjson or legacy dockercfg Secret, else undefined. */
function dockerConfigOf(s: V1Secret): string | undefined {
  const d = s.data ?? {};
  if (d['.dockerconfigjson']) return Buffer.from(d['.dockerconfigjson'], 'base64').toString('utf8');
  if (d['.dockercfg'])
    return JSON.stringify({
      auths: JSON.parse(Buffer.from(d['.dockercfg'], 'base64').toString('utf8')) as unknown,
    });
  return undefined;
}

/**
 * Registry credentials for a run, as k8schain: every docker config Secret of the run's ServiceAccount, its
 * `secrets` first (push credentials) then `imagePullSecrets`, tried in order. Cached briefly per account.
 */
export class ServiceAccountKeychains {
  private readonly api: CoreV1Api;
  private readonly cache = new Map<string, { at: number; keychain: Keychain }>();

  constructor(
    kc: KubeConfig,
    private readonly log: Logger = silentLogger,
    private readonly ttlMs = 30_000,
  ) {
    this.api = kc.makeApiClient(CoreV1Api);
  }

  async forRun(run: RunDoc): Promise<Keychain> {
    const namespace = run.metadata.namespace ?? 'default';
    const sa = serviceAccountOf(run);
    const key = `${namespace}/${sa}`;
    const hit = this.cache.get(key);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.keychain;
    const keychain = await this.load(namespace, sa);
    this.cache.set(key, { at: Date.now(), keychain });
    return keychain;
  }

  private async load(namespace: string, sa: string): Promise<Keychain> {
    let names: string[] = [];
    try {
      const account = await this.api.readNamespacedServiceAccount({ namespace, name: sa });
      names = [...(account.secrets ?? []), ...(account.imagePullSecrets ?? [])]
        .map((r) => r.name ?? '')
        .filter(Boolean);
    } catch (e) {
      this.log('warn', 'cannot read the run ServiceAccount; pushing anonymously', {
        namespace,
        serviceAccount: sa,
        error: describeError(e),
      });
      return anonymous;
    }
    const chains: Keychain[] = [];
    for (const name of [...new Set(names)]) {
      try {
        const text = dockerConfigOf(await this.api.readNamespacedSecret({ namespace, name }));
        if (text) chains.push(dockerConfigKeychain(text, `secret ${namespace}/${name}`));
      } catch (e) {
        this.log('warn', 'skipping registry secret', { namespace, secret: name, error: describeError(e) });
      }
    }
    return chains.length ? multiKeychain(...chains) : anonymous;
  }
}
