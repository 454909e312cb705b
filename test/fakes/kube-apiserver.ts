/**
 * In-process fake Kubernetes API server for tests (node:http, real wire format).
 *
 * Serves core/v1 Secrets, ConfigMaps, ServiceAccounts, Events, Namespaces; tekton.dev/v1 TaskRuns and
 * PipelineRuns; coordination.k8s.io/v1 Leases. Supports get/list/create/update(PUT)/patch/delete, lists with
 * `metadata.resourceVersion`, watches (`?watch=true&resourceVersion=N&allowWatchBookmarks=true`) streaming
 * ADDED/MODIFIED/DELETED/BOOKMARK JSON lines, an ERROR Status event with code 410 for a compacted resourceVersion,
 * merge-patch / json-patch / strategic-merge-patch (treated as merge) with optimistic-lock 409 Conflicts when
 * `metadata.resourceVersion` is stale, label/field selectors, finalizers (DELETE sets `deletionTimestamp`; the
 * update removing the last finalizer deletes: MODIFIED then DELETED; no new finalizer while deleting), legacy
 * discovery (`/api`, `/apis`, resource lists) and `as=Table` answers for kubectl, and fault hooks: `inject`,
 * `setDelay`, `dropWatches`, `bookmarkNow`, `store.compact()`.
 *
 *   const kube = await startFakeKubeApiServer();
 *   kube.store.create('taskruns', 'default', taskRun);
 *   const kc = kubeConfigFor(kube);               // @kubernetes/client-node KubeConfig
 *   writeFileSync(path, kubeConfigYaml(kube));    // for `--kubeconfig`
 */
import { KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { FakeKubeApiServer, type FakeKubeOptions } from './kube/server.ts';

export { FakeKubeApiServer, type FakeKubeOptions } from './kube/server.ts';

export async function startFakeKubeApiServer(opts: FakeKubeOptions = {}): Promise<FakeKubeApiServer> {
  return new FakeKubeApiServer(opts).start();
}

function options(server: FakeKubeApiServer, namespace: string, token: string) {
  return {
    clusters: [{ name: 'fake', server: server.url, skipTLSVerify: true }],
    users: [{ name: 'fake-user', token }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'fake-user', namespace }],
    currentContext: 'fake',
  };
}

/** A KubeConfig (client-node `loadFromOptions`, the project notes) pointing at the fake server. */
export function kubeConfigFor(
  server: FakeKubeApiServer,
  namespace = 'default',
  token = 'test-token',
): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions(options(server, namespace, token));
  return kc;
}

/** The same, as a kubeconfig YAML file body (for `--kubeconfig FILE`). */
export function kubeConfigYaml(
  server: FakeKubeApiServer,
  namespace = 'default',
  token = 'test-token',
): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'fake', cluster: { server: server.url, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'fake-user', user: { token } }],
    contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'fake-user', namespace } }],
    'current-context': 'fake',
  });
}
