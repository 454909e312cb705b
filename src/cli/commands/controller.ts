import { InvalidArgumentError, type Command } from 'commander';
import type { ControllerFlags, SignRunFlags } from '../controller/actions.ts';

// the controller, demo and client-node modules load only when their command runs: start-up of every other command
const actions = () => import('../controller/actions.ts');

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

/** controller, sign-run, demo (docs/controller.md). */
export function registerControllerCommands(program: Command): void {
  program
    .command('controller')
    .description(
      'watch TaskRuns/PipelineRuns and sign, log and store their provenance (Kubernetes, or --local DIR)',
    )
    .option(
      '--local <dir>',
      'watch a directory of run files (JSON/YAML as kubectl prints them) instead of a cluster',
    )
    .option('--kubeconfig <file>', 'kubeconfig (default: in-cluster, then $KUBECONFIG / ~/.kube/config)')
    .option('--namespace <a,b>', 'only these namespaces (default: all)')
    .option(
      '--threads-per-controller <n>',
      'workers per reconciler (TaskRuns, PipelineRuns), as upstream: 2 × n in all',
      positiveInt,
      2,
    )
    .option('--threads <n>', 'concurrent workers in all (overrides --threads-per-controller)', positiveInt)
    .option(
      '--kube-api-qps <qps>',
      'Kubernetes client QPS before the doubling for two controllers (env KUBE_API_QPS; default 10)',
    )
    .option(
      '--kube-api-burst <n>',
      'Kubernetes client burst before that doubling (env KUBE_API_BURST; default 10)',
    )
    .option('--config <file>', 'chains-config as YAML (local mode; Kubernetes reads the ConfigMap)')
    .option(
      '--key <file>',
      'signing key (local mode; Kubernetes reads the signing-secrets Secret)',
      'cosign.key',
    )
    .option('--store <dir>', 'directory of the local storage backend')
    .option('--metrics-addr <host:port>', 'Prometheus /metrics, /healthz, /readyz', '0.0.0.0:9090')
    .option(
      '--system-namespace <ns>',
      'namespace of chains-config, signing-secrets and the Lease',
      'tekton-chains',
    )
    .option('--once', 'local mode: exit when every run is handled')
    .option('--console <host:port>', 'local mode: also serve the web console over these runs and the log')
    .option('--log-level <level>', 'debug, info, warn or error', 'info')
    .action(
      async (raw: Omit<ControllerFlags, 'threads'> & { threads?: number; threadsPerController: number }) => {
        const f: ControllerFlags = { ...raw, threads: raw.threads ?? 2 * raw.threadsPerController };
        if (f.local) return (await actions()).runLocal({ ...f, local: f.local });
        return (await import('../controller/kube-mode.ts')).runKubeController(f);
      },
    );

  program
    .command('sign-run')
    .description('sign one run file (JSON/YAML) now, write the annotations into it, and exit')
    .argument('<run-file>', 'TaskRun/PipelineRun as `kubectl get -o json|yaml` prints it')
    .option('--config <file>', 'chains-config as YAML (ConfigMap or flat map)')
    .option(
      '--key <file>',
      'signing key: cosign.key (password from COSIGN_PASSWORD or a prompt) or PKCS#8 PEM',
      'cosign.key',
    )
    .option('--store <dir>', 'directory of the local storage backend')
    .action(async (file: string, f: SignRunFlags) => (await actions()).signRun(file, f));

  program
    .command('demo')
    .description('the signed-provenance tutorial on this machine: registry, log, key, build, Chains, verify')
    .option('--keep', 'leave the registry and log running and print how to reach them')
    .option('--dir <dir>', 'work directory (default: a new temporary directory)')
    .option(
      '--keyless',
      'no key: the stack (CA, CT log, OIDC issuer) starts too, the controller signs as its service account, checks go by identity',
    )
    .action(async (f: { keep?: boolean; dir?: string; keyless?: boolean }) => (await actions()).runDemo(f));
}
