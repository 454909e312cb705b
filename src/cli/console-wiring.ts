import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RunDirectory } from '../controller/local/run-directory.ts';
import type { Logger } from '../controller/log.ts';
import { silentLogger } from '../controller/log.ts';
import { imageVerifier, pinnedTrust, startConsole, trustPem } from '../console/index.ts';
import type { ImageVerifier, LogTrust, RunDocument, RunSource, RunningConsole } from '../console/index.ts';
import { loadPublicKey } from '../keys/index.ts';
import type { PublicKeyMaterial } from '../keys/index.ts';
import { RegistryClient } from '../registry/client.ts';
import { parseTrustedRoot } from '../keyless/index.ts';
import { RekorClient } from '../tlog/client/index.ts';
import { tlogCheckBundle } from '../verify/tlog.ts';
import { readInput, readText } from './io.ts';

/**
 * A run directory as the console's run source: its own read-only RunDirectory (scan and watch, never writes),
 * so the console can watch the same files a local controller is signing.
 */
export async function localRunSource(
  dir: string,
  log: Logger = silentLogger,
  intervalMs = 300,
): Promise<RunSource & { close(): void }> {
  const runs = new RunDirectory(resolve(dir), log);
  const subscribers = new Set<(doc: RunDocument) => void>();
  // the first scan is done before the console says it is ready, as the cluster source lists first
  await runs.watch((doc) => subscribers.forEach((s) => s(doc)), intervalMs);
  return {
    description: `run directory ${resolve(dir)}`,
    list: () => runs.all(),
    subscribe: (on) => {
      subscribers.add(on);
      return () => void subscribers.delete(on);
    },
    close: () => runs.close(),
  };
}

/** A cluster as the console's run source: list/watch TaskRuns and PipelineRuns, read-only. */
export async function kubeRunSource(
  kubeconfig: string,
  namespaces: string[],
  log: Logger = silentLogger,
): Promise<RunSource & { close(): void }> {
  // client-node loads only for a cluster source: the other commands that start the console stay quick
  const { runInformers } = await import('../controller/kube/controller.ts');
  const { loadKubeConfig } = await import('./controller/kube-mode.ts');
  const subscribers = new Set<(doc: RunDocument) => void>();
  const informers = runInformers(
    { kc: loadKubeConfig(kubeconfig), namespaces },
    (doc) => subscribers.forEach((s) => s(doc)),
    log,
  );
  await Promise.all(informers.map((i) => i.start()));
  return {
    description: `cluster ${kubeconfig}${namespaces.length ? ` (namespaces ${namespaces.join(', ')})` : ''}`,
    list: () => informers.flatMap((i) => i.list()),
    subscribe: (on) => {
      subscribers.add(on);
      return () => void subscribers.delete(on);
    },
    close: () => informers.forEach((i) => i.stop()),
  };
}

export interface ConsoleFlags {
  addr: string;
  rekorUrl: string;
  registry?: string;
  runs?: string;
  kubeconfig?: string;
  namespace?: string;
  trustedRoot?: string;
  rekorPublicKey?: string;
  key?: string;
}

/**
 * The image page's verifier: cosign's checks against `--key` for signatures made with a key and against
 * `--trusted-root` for keyless ones, with the log check against the pinned log key (or, unpinned, the key the
 * log serves). What neither can check is listed, marked not checked.
 */
export function imagesFromFlags(
  f: ConsoleFlags,
  trust: LogTrust | undefined,
  signerKey?: PublicKeyMaterial,
): ImageVerifier {
  const rekor = new RekorClient(f.rekorUrl);
  const publicKey = signerKey ?? (f.key ? loadPublicKey(readInput(f.key, 'public key')) : undefined);
  const trustedRoot = f.trustedRoot ? parseTrustedRoot(readText(f.trustedRoot, 'trusted root')) : undefined;
  const logKey = async (): Promise<string> => (trust && trustPem(trust)) ?? (await rekor.publicKey());
  const signers = [
    ...(signerKey ? ["the controller's signing key"] : f.key ? [`the key ${resolve(f.key)}`] : []),
    ...(f.trustedRoot ? [`the CAs and CT logs of ${resolve(f.trustedRoot)}`] : []),
  ];
  const log = `the log at ${f.rekorUrl} (${trust ? `pinned by --${trust.source}` : 'its key taken on first use'})`;
  return imageVerifier({
    client: new RegistryClient(),
    ...(publicKey ? { publicKey } : {}),
    ...(trustedRoot ? { trustedRoot } : {}),
    checkBundle: async () => tlogCheckBundle({ logPublicKey: await logKey(), client: rekor }),
    ...(f.registry ? { registry: f.registry } : {}),
    description:
      signers.length > 0
        ? `${signers.join(' and ')}, with ${log}`
        : 'nothing: no --key or --trusted-root was given',
  });
}

/**
 * The bundle carries the console app prebuilt beside it (scripts/build.ts writes dist/console/, so no esbuild at
 * run time); running from the sources, the console builds it in memory.
 */
const ASSETS_DIR = import.meta.url.endsWith('.ts')
  ? undefined
  : fileURLToPath(new URL('./console/', import.meta.url));

/** Build the console from CLI flags; returns it with a stop function that also ends the run watcher. */
export async function consoleFromFlags(
  f: ConsoleFlags,
  images?: ImageVerifier,
  signerKey?: PublicKeyMaterial,
): Promise<RunningConsole> {
  const text = (path: string | undefined, what: string) =>
    path === undefined ? undefined : { text: readText(path, what), from: path };
  const trust = pinnedTrust({
    trustedRoot: text(f.trustedRoot, 'trusted root'),
    rekorPublicKey: text(f.rekorPublicKey, 'log key'),
  });
  const namespaces = (f.namespace ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  const runs = f.runs
    ? await localRunSource(f.runs)
    : f.kubeconfig
      ? await kubeRunSource(f.kubeconfig, namespaces)
      : undefined;
  images ??= imagesFromFlags(f, trust, signerKey);
  const c = await startConsole({
    addr: f.addr,
    rekorUrl: f.rekorUrl,
    ...(trust ? { trust } : {}),
    ...(runs ? { runs } : {}),
    ...(images ? { images } : {}),
    ...(ASSETS_DIR ? { assetsDir: ASSETS_DIR } : {}),
  });
  return {
    url: c.url,
    close: async () => {
      runs?.close();
      await c.close();
    },
  };
}
