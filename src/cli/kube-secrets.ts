import type * as KubeModule from '@kubernetes/client-node';
import type { KubeConfig, V1Secret } from '@kubernetes/client-node';
import { KubeKeyError, parseKubeRef, readKeyPairSecret } from '../keys/index.ts';
import type { KeyPairSecretData, KeySecret, SecretClient } from '../keys/index.ts';

/** client-node takes ~1.5 s to import: load it only for k8s:// references. */
type KubeLib = typeof KubeModule;

function kubeError(k: KubeLib, e: unknown, what: string): KubeKeyError {
  if (e instanceof k.ApiException) {
    const body = typeof e.body === 'string' ? e.body : JSON.stringify(e.body);
    const msg = /"message":"([^"]*)"/.exec(body)?.[1] ?? `HTTP ${e.code}`;
    return new KubeKeyError('K8S_ERROR', `${what}: ${msg}`, { cause: e });
  }
  return new KubeKeyError('K8S_ERROR', `${what}: ${(e as Error).message}`, { cause: e });
}

/** client-node 1.4.0 adapter to the keys module's SecretClient. */
function kubeSecretClient(k: KubeLib, kc: KubeConfig): SecretClient {
  const api = kc.makeApiClient(k.CoreV1Api);
  const wrap = async <T>(what: string, f: () => Promise<T>): Promise<T> => {
    try {
      return await f();
    } catch (e) {
      throw kubeError(k, e, what);
    }
  };
  return {
    read: (namespace, name) =>
      wrap(`reading secret ${namespace}/${name}`, async () => {
        try {
          return (await api.readNamespacedSecret({ namespace, name })) as KeySecret;
        } catch (e) {
          if (e instanceof k.ApiException && e.code === 404) return null;
          throw e;
        }
      }),
    create: (namespace, body) =>
      wrap(
        `creating secret`,
        async () => (await api.createNamespacedSecret({ namespace, body: body as V1Secret })) as KeySecret,
      ),
    replace: (namespace, name, body) =>
      wrap(
        `updating secret`,
        async () =>
          (await api.replaceNamespacedSecret({ namespace, name, body: body as V1Secret })) as KeySecret,
      ),
  };
}

/** cosign sets Immutable only on servers >= 1.21; unknown version -> leave it unset. */
async function supportsImmutable(k: KubeLib, kc: KubeConfig): Promise<boolean | undefined> {
  try {
    const v = await kc.makeApiClient(k.VersionApi).getCode();
    const [major, minor] = [parseInt(v.major, 10), parseInt(v.minor, 10)];
    return major > 1 || (major === 1 && minor >= 21);
  } catch {
    return undefined;
  }
}

/** The Secret API of `--kubeconfig`, else of what client-node's loadFromDefault finds (KUBECONFIG, ~/.kube/config, in-cluster). */
export async function kubeSecrets(
  kubeconfig?: string,
): Promise<{ client: SecretClient; immutable: () => Promise<boolean | undefined> }> {
  const k = await import('@kubernetes/client-node');
  const kc = new k.KubeConfig();
  if (kubeconfig) kc.loadFromFile(kubeconfig);
  else kc.loadFromDefault();
  return { client: kubeSecretClient(k, kc), immutable: () => supportsImmutable(k, kc) };
}

/** What `--key k8s://NS/NAME` finds in the Secret. */
export async function readKubeKeys(ref: string): Promise<KeyPairSecretData> {
  const target = parseKubeRef(ref);
  return readKeyPairSecret((await kubeSecrets()).client, target);
}
