import { basename, dirname, join, resolve } from 'node:path';
import { isHandled } from '../../controller/annotations.ts';
import { ControllerError } from '../../controller/errors.ts';
import { RunDirectory } from '../../controller/local/run-directory.ts';
import { jsonLogger } from '../../controller/log.ts';
import { Reconciler, docKey, isDoneDoc } from '../../controller/reconciler.ts';
import * as A from '../../controller/annotations.ts';
import { consoleFromFlags } from '../console-wiring.ts';
import { loadLocalConfig, startLocalController } from './local-mode.ts';
import type { Keychain } from '../../registry/keychain.ts';
import { dockerKeychain } from '../docker-keychain.ts';
import { say } from '../io.ts';
import { stopSignal } from '../signals.ts';
import { configuredSigner, consoleSigner } from './signer.ts';
import { buildOrchestrator } from './wiring.ts';

export { runDemo } from './demo.ts';

// action bodies of `chains controller` / `sign-run`, imported by src/cli/commands/controller.ts on first use

export interface ControllerFlags {
  local?: string;
  kubeconfig?: string;
  namespace?: string;
  threads: number;
  kubeApiQps?: string;
  kubeApiBurst?: string;
  config?: string;
  key: string;
  store?: string;
  metricsAddr: string;
  systemNamespace: string;
  once?: boolean;
  /** host:port of the web console over this controller's runs and log (`--console`) */
  console?: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
}

/** Registry credentials of local mode and sign-run: the docker config, as every other command reads it. */
function keychainOption(): { keychain?: Keychain } {
  const keychain = dockerKeychain();
  return keychain ? { keychain } : {};
}

export async function runLocal(f: ControllerFlags & { local: string }): Promise<void> {
  // --once ends by itself; otherwise the stop handler is in place before anything says the controller is up
  const stopped = f.once ? undefined : stopSignal();
  const log = jsonLogger((l) => void process.stderr.write(l), f.logLevel);
  const dir = resolve(f.local);
  const config = loadLocalConfig(f.config, log);
  const signer = await configuredSigner(f.key, config, false);
  const ctl = await startLocalController({
    dir,
    config,
    signer,
    storeDir: f.store ?? join(dir, '.chains-store'),
    threads: f.threads,
    log,
    ...keychainOption(),
  });
  log('info', 'watching run files', { dir, threads: f.threads });
  const con = f.console
    ? await consoleFromFlags(
        { addr: f.console, rekorUrl: config.current.transparency.url, runs: dir },
        undefined,
        // keyless: no key to show (each certificate names its own)
        config.current.signers.x509.fulcio.enabled
          ? undefined
          : (await signer.current(consoleSigner(config.current.artifacts.taskrun.signer))).publicKey,
      )
    : undefined;
  if (con) say(`console listening on ${con.url}`);
  if (f.once) {
    await ctl.loop.queue.idle();
    while (ctl.loop.queue.pendingRetries > 0) {
      await new Promise((r) => setTimeout(r, 100));
      await ctl.loop.queue.idle();
    }
    await con?.close();
    return ctl.stop();
  }
  await stopped;
  await con?.close();
  await ctl.stop();
}

/** `chains sign-run FILE`: sign the done runs in one file now (with Chains' retries), write annotations, exit. */
export interface SignRunFlags {
  config?: string;
  key: string;
  store?: string;
}

export async function signRun(file: string, f: SignRunFlags): Promise<void> {
  const log = jsonLogger((l) => void process.stderr.write(l), 'warn');
  const path = resolve(file);
  const runs = new RunDirectory(dirname(path), log, basename(path));
  await runs.scan();
  const docs = runs.all();
  if (!docs.length && runs.unnamed.length)
    throw new ControllerError(
      'LOCAL_RUN_FILE',
      `${file}: ${runs.unnamed.join(', ')} has no metadata.name (generateName is resolved by the API server; name the run)`,
    );
  if (!docs.length) throw new ControllerError('LOCAL_RUN_FILE', `${file}: no TaskRun or PipelineRun found`);
  const config = loadLocalConfig(f.config, log);
  const keychain = dockerKeychain();
  const orchestrator = buildOrchestrator({
    config,
    signer: await configuredSigner(f.key, config, true),
    runs,
    annotations: runs,
    localDir: f.store ?? join(dirname(path), '.chains-store'),
    log,
    ...(keychain ? { keychainFor: async () => keychain } : {}),
  });
  const reconciler = new Reconciler({ cache: runs, runs, orchestrator, filter: () => config.current.filter });
  let failed = false;
  for (const doc of docs) {
    const key = docKey(doc);
    for (let attempt = 0; attempt <= A.MAX_RETRIES + 1; attempt++) {
      if ((await reconciler.reconcile(key)) === 'done') break;
      await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
    }
    const latest = await runs.latest({
      kind: doc.kind === 'PipelineRun' ? 'PipelineRun' : 'TaskRun',
      namespace: doc.metadata.namespace ?? 'default',
      name: doc.metadata.name,
      uid: '',
    });
    const a = latest?.metadata.annotations ?? {};
    // nothing enabled for this run: left unmarked, and not a failure (issue 16 item 10)
    const nothing = latest && !isHandled(a) && isDoneDoc(latest) && !orchestrator.hasWork(latest);
    const state =
      a[A.SIGNED] ?? (nothing ? 'unset (nothing to sign for this run)' : 'not signed (run not done?)');
    say(`${key}: ${A.SIGNED}=${state}${a[A.TRANSPARENCY] ? ` ${A.TRANSPARENCY}=${a[A.TRANSPARENCY]}` : ''}`);
    if (a[A.FAILURE_REASON]) say(`  ${A.FAILURE_REASON}: ${a[A.FAILURE_REASON]}`);
    if (a[A.SIGNED] !== 'true' && !nothing) failed = true;
  }
  if (failed) process.exitCode = 1;
}
