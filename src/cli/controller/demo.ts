import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as A from '../../controller/annotations.ts';
import { jsonLogger } from '../../controller/log.ts';
import { generateKeyPair, loadPublicKey } from '../../keys/index.ts';
import { RegistryClient } from '../../registry/client.ts';
import { startRegistryServer, type RunningRegistry } from '../../registry/server/index.ts';
import { startLogServer, type RunningLogServer } from '../../tlog/server/index.ts';
import { RekorClient } from '../../tlog/client/rekor.ts';
import { verifyImageSignatures } from '../../verify/image.ts';
import { verifyImageAttestations } from '../../verify/attestation.ts';
import { tlogCheckBundle } from '../../verify/tlog.ts';
import type { RunningConsole } from '../../console/index.ts';
import { consoleFromFlags } from '../console-wiring.ts';
import { stopSignal } from '../signals.ts';
import { loadLocalConfig, startLocalController, type LocalController } from './local-mode.ts';
import { keyFileSigner } from './signer.ts';
import {
  findInLog,
  runKanikoTask,
  Steps,
  verifiedPayloads,
  waitForSigned,
  writeChainsConfig,
} from './demo-steps.ts';

const out = (s: string): void => void process.stdout.write(`${s}\n`);
const DEMO_PASSWORD = 'chains-demo';

interface Servers {
  registry: RunningRegistry;
  log: RunningLogServer;
  controller?: LocalController;
  console?: RunningConsole;
}

/** `demo --keep`: the web console over the demo's log (its key pinned), runs and image (cosign.pub). */
async function startDemoConsole(work: string, log: RunningLogServer): Promise<RunningConsole> {
  writeFileSync(join(work, 'rekor.pub'), log.publicKeyPem);
  return consoleFromFlags({
    addr: process.env.CHAINS_DEMO_CONSOLE_ADDR ?? '127.0.0.1:0',
    rekorUrl: log.url,
    rekorPublicKey: join(work, 'rekor.pub'),
    runs: join(work, 'runs'),
    key: join(work, 'cosign.pub'),
  });
}

/**
 * `chains demo`: the signed-provenance tutorial end to end on loopback, no cluster, cloud or internet; with
 * `--keyless`, signed by the controller's service-account identity instead of a key (demo-keyless.ts).
 */
export async function runDemo(o: { keep?: boolean; dir?: string; keyless?: boolean }): Promise<void> {
  if (o.keyless) {
    const { runKeylessDemo } = await import('./demo-keyless.ts');
    if ((await runKeylessDemo(o)) !== 0) process.exitCode = 1;
    return;
  }
  const steps = new Steps();
  const work = o.dir ?? mkdtempSync(join(tmpdir(), 'chains-demo-'));
  mkdirSync(join(work, 'runs'), { recursive: true });
  out(`Chains demo: the signed-provenance tutorial on this machine (work directory ${work})`);
  const servers: Partial<Servers> = {};
  try {
    await demoSteps(steps, work, servers);
  } catch (e) {
    steps.bad(`unexpected error: ${(e as Error).message}`);
  }
  out(`\n${steps.failed === 0 ? 'All checks passed.' : `${steps.failed} check(s) failed.`}`);
  if (o.keep && servers.registry && servers.log) {
    const stopped = stopSignal(); // before the lines that say the servers are up
    out(`\nServers left running (Ctrl-C to stop):`);
    out(
      `  registry  ${servers.registry.url}   e.g. ./bin/chains verify --key ${join(work, 'cosign.pub')} --rekor-url ${servers.log.url} ${servers.registry.host}/kaniko-chains`,
    );
    out(`  log       ${servers.log.url}   e.g. ./bin/chains tlog loginfo --rekor-server ${servers.log.url}`);
    out(`  runs      ${join(work, 'runs')} (drop more TaskRun files here; the controller keeps watching)`);
    servers.console = await startDemoConsole(work, servers.log);
    out(
      `  console   ${servers.console.url}   the same as ./bin/chains console --rekor-url ${servers.log.url} --rekor-public-key ${join(work, 'rekor.pub')} --runs ${join(work, 'runs')} --key ${join(work, 'cosign.pub')}`,
    );
    await stopped;
  }
  await servers.console?.close();
  await servers.controller?.stop();
  await servers.log?.close();
  await servers.registry?.close();
  if (steps.failed) process.exitCode = 1;
}

async function demoSteps(steps: Steps, work: string, servers: Partial<Servers>): Promise<void> {
  steps.title('Generate a Key Pair');
  const pair = await generateKeyPair(DEMO_PASSWORD);
  writeFileSync(join(work, 'cosign.key'), pair.privateKeyPem, { mode: 0o600 });
  writeFileSync(join(work, 'cosign.pub'), pair.publicKeyPem);
  steps.ok(`cosign.key (encrypted, 0600) and cosign.pub written to ${work}`);

  steps.title('Set up Authentication');
  servers.registry = await startRegistryServer({ addr: '127.0.0.1:0' });
  servers.log = await startLogServer({ dbPath: join(work, 'tlog.db'), addr: '127.0.0.1:0' });
  steps.ok(`embedded OCI registry at ${servers.registry.url} (loopback: no credentials needed)`);
  steps.ok(`embedded transparency log (Rekor v1 API) at ${servers.log.url}`);

  steps.title('Configuring Tekton Chains');
  const data = {
    'artifacts.taskrun.format': 'in-toto',
    'artifacts.taskrun.storage': 'oci',
    'transparency.enabled': 'true',
    'transparency.url': servers.log.url,
  };
  const cfgFile = writeChainsConfig(steps, work, data);

  steps.title('Start the Kaniko Task');
  const { image, digest } = await runKanikoTask(steps, work, servers.registry.host);

  steps.title('Verifying the Image and Attestation');
  const log = jsonLogger((l) => void process.stderr.write(l), 'error');
  servers.controller = await startLocalController({
    dir: join(work, 'runs'),
    config: loadLocalConfig(cfgFile, log),
    signer: await keyFileSigner(join(work, 'cosign.key'), false, Buffer.from(DEMO_PASSWORD)),
    storeDir: join(work, 'store'),
    threads: 2,
    log,
  });
  const a = await waitForSigned(servers.controller, steps, 'default', 'kaniko-run');
  if (a[A.SIGNED] !== 'true') return;
  steps.ok(`${A.TRANSPARENCY}=${a[A.TRANSPARENCY] ?? '(missing)'}`);
  // what `chains verify` and `chains verify-attestation --key cosign.pub --rekor-url <log>` run, log key pinned
  const rekor = new RekorClient(servers.log.url, { logPublicKey: servers.log.publicKeyPem });
  const opts = {
    client: new RegistryClient(),
    publicKey: loadPublicKey(readFileSync(join(work, 'cosign.pub'))),
    checkBundle: tlogCheckBundle({ logPublicKey: servers.log.publicKeyPem, client: rekor }),
  };
  await steps.check(`chains verify --key cosign.pub ${image}`, () =>
    verifyImageSignatures(image, { ...opts, annotations: {} }),
  );
  const verified = await steps.check(`chains verify-attestation --key cosign.pub ${image}`, () =>
    verifyImageAttestations(image, opts),
  );
  const payloads = verifiedPayloads(verified?.verified);

  steps.title('Finding Provenance in Rekor');
  await findInLog(steps, rekor, digest, payloads);

  steps.title('What you just created');
  out('   kaniko TaskRun ──▶ Chains controller ──▶ in-toto provenance (DSSE, cosign.key)');
  out(`                                     ├──▶ ${image}:sha256-….sig / .att (OCI registry)`);
  out(`                                     └──▶ transparency log ${servers.log.url}`);
  out('   cosign.pub ──▶ chains verify / verify-attestation / tlog search + get');
}
