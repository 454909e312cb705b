import { basename, dirname, join, resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { isHandled } from '../../controller/annotations.ts';
import { ControllerError } from '../../controller/errors.ts';
import { RunDirectory } from '../../controller/local/run-directory.ts';
import { jsonLogger } from '../../controller/log.ts';
import { Reconciler, docKey } from '../../controller/reconciler.ts';
import * as A from '../../controller/annotations.ts';
import { loadLocalConfig, startLocalController } from '../controller/local-mode.ts';
import { keyFileSigner } from '../controller/signer.ts';
import { buildOrchestrator } from '../controller/wiring.ts';
import { runDemo } from '../controller/demo.ts';
import { runKubeController } from '../controller/kube-mode.ts';

const say = (line: string): void => void process.stderr.write(`${line}\n`);

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

interface ControllerFlags {
  local?: string;
  kubeconfig?: string;
  namespace?: string;
  threads: number;
  config?: string;
  key: string;
  store?: string;
  metricsAddr: string;
  systemNamespace: string;
  once?: boolean;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
}

async function runLocal(f: ControllerFlags & { local: string }): Promise<void> {
  const log = jsonLogger((l) => void process.stderr.write(l), f.logLevel);
  const dir = resolve(f.local);
  const ctl = await startLocalController({
    dir,
    config: loadLocalConfig(f.config, log),
    signer: await keyFileSigner(f.key, false),
    storeDir: f.store ?? join(dir, '.chains-store'),
    threads: f.threads,
    log,
  });
  log('info', 'watching run files', { dir, threads: f.threads });
  if (f.once) {
    await ctl.loop.queue.idle();
    while (ctl.loop.queue.pendingRetries > 0) {
      await new Promise((r) => setTimeout(r, 100));
      await ctl.loop.queue.idle();
    }
    return ctl.stop();
  }
  await new Promise<void>((r) => {
    process.once('SIGINT', r);
    process.once('SIGTERM', r);
  });
  await ctl.stop();
}

/** `chains sign-run FILE`: sign the done runs in one file now (with Chains' retries), write annotations, exit. */
async function signRun(file: string, f: { config?: string; key: string; store?: string }): Promise<void> {
  const log = jsonLogger((l) => void process.stderr.write(l), 'warn');
  const path = resolve(file);
  const runs = new RunDirectory(dirname(path), log, basename(path));
  await runs.scan();
  const docs = runs.all();
  if (!docs.length) throw new ControllerError('LOCAL_RUN_FILE', `${file}: no TaskRun or PipelineRun found`);
  const config = loadLocalConfig(f.config, log);
  const orchestrator = buildOrchestrator({
    config,
    signer: await keyFileSigner(f.key, true),
    runs,
    annotations: runs,
    localDir: f.store ?? join(dirname(path), '.chains-store'),
    log,
  });
  const reconciler = new Reconciler({ cache: runs, runs, orchestrator, filter: () => config.current.filter });
  let failed = false;
  for (const doc of docs) {
    const key = docKey(doc);
    for (let attempt = 0; attempt <= A.MAX_RETRIES + 1; attempt++) {
      if ((await reconciler.reconcile(key)) === 'done') break;
      await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
    }
    const a =
      (
        await runs.latest({
          kind: doc.kind === 'PipelineRun' ? 'PipelineRun' : 'TaskRun',
          namespace: doc.metadata.namespace ?? 'default',
          name: doc.metadata.name,
          uid: '',
        })
      )?.metadata.annotations ?? {};
    const state = a[A.SIGNED] ?? (isHandled(a) ? '' : 'not signed (run not done?)');
    say(`${key}: ${A.SIGNED}=${state}${a[A.TRANSPARENCY] ? ` ${A.TRANSPARENCY}=${a[A.TRANSPARENCY]}` : ''}`);
    if (a[A.FAILURE_REASON]) say(`  ${A.FAILURE_REASON}: ${a[A.FAILURE_REASON]}`);
    if (a[A.SIGNED] !== 'true') failed = true;
  }
  if (failed) process.exitCode = 1;
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
    .option('--threads <n>', 'concurrent workers', positiveInt, 2)
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
    .option('--log-level <level>', 'debug, info, warn or error', 'info')
    .action(async (f: ControllerFlags) => {
      if (f.local) return runLocal({ ...f, local: f.local });
      return runKubeController(f);
    });

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
    .action(signRun);

  program
    .command('demo')
    .description('the signed-provenance tutorial on this machine: registry, log, key, build, Chains, verify')
    .option('--keep', 'leave the registry and log running and print how to reach them')
    .option('--dir <dir>', 'work directory (default: a new temporary directory)')
    .action(runDemo);
}
