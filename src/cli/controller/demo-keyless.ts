import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningConsole } from '../../console/index.ts';
import * as A from '../../controller/annotations.ts';
import { jsonLogger } from '../../controller/log.ts';
import { SecretSignerSource } from '../../controller/signer-source.ts';
import { keylessCertificateCheck, keylessFailure, parseTrustedRoot } from '../../keyless/index.ts';
import { mintToken } from '../../oidc/issuer/index.ts';
import { RegistryClient } from '../../registry/client.ts';
import { startStack, type RunningStack } from '../../stack/index.ts';
import { RekorClient } from '../../tlog/client/rekor.ts';
import { verifyImageAttestations } from '../../verify/attestation.ts';
import { verifyImageSignatures } from '../../verify/image.ts';
import { tlogCheckBundle } from '../../verify/tlog.ts';
import { consoleFromFlags } from '../console-wiring.ts';
import { readText } from '../io.ts';
import { stopSignal } from '../signals.ts';
import {
  runKanikoTask,
  showAttestationEntry,
  stdoutPrint,
  Steps,
  verifiedPayloads,
  waitForSigned,
  writeChainsConfig,
  type Print,
} from './demo-steps.ts';
import { loadLocalConfig, startLocalController, type LocalController } from './local-mode.ts';

/** The tutorial's identity: the controller runs as the `default` service account of `default`. */
const DEMO_SA = 'default/default';

export interface KeylessDemoOptions {
  keep?: boolean;
  dir?: string;
  print?: Print;
  /**
   * The service account whose token the controller gets (default: `default/default`, the identity every check
   * expects). Another one must make the identity checks fail: the tests use it to see the demo fail.
   */
  serviceAccount?: string;
}

/** The log key the trusted root names: entries are checked against it, not against the key the log serves. */
function logKeyOf(stack: RunningStack): string {
  const key = parseTrustedRoot(readText(stack.trustedRootPath, 'trusted root')).tlogs[0]?.key;
  return key ? key.export({ type: 'spki', format: 'pem' }).toString() : '';
}

const sanOf = (sa: string): string => {
  const [ns, name] = sa.split('/');
  return `https://kubernetes.io/namespaces/${ns ?? ''}/serviceaccounts/${name ?? ''}`;
};

interface Running {
  stack?: RunningStack;
  controller?: LocalController;
  console?: RunningConsole;
}

/**
 * `chains demo --keyless`: the tutorial signed without a key. The `chains stack serve` services start in this
 * process; the controller gets a token for its service account from the embedded OIDC issuer (in a file, as a
 * projected token), certifies an in-memory key with the CA, signs the build, and the image and attestation are
 * verified by identity and issuer against the trusted root. Returns the exit code: 0 only when every check passed.
 */
export async function runKeylessDemo(o: KeylessDemoOptions): Promise<number> {
  const steps = new Steps(o.print ?? stdoutPrint);
  const work = o.dir ?? mkdtempSync(join(tmpdir(), 'chains-demo-keyless-'));
  const running: Running = {};
  steps.print(`Chains demo, keyless: the signed-provenance tutorial with no key (work directory ${work})`);
  try {
    mkdirSync(join(work, 'runs'), { recursive: true });
    await keylessSteps(steps, work, o.serviceAccount ?? DEMO_SA, running);
  } catch (e) {
    steps.bad(`unexpected error: ${(e as Error).message}`);
  }
  steps.print(`\n${steps.failed === 0 ? 'All checks passed.' : `${steps.failed} check(s) failed.`}`);
  if (o.keep && running.stack) await keep(steps, work, running);
  await running.console?.close();
  await running.controller?.stop();
  await running.stack?.close();
  return steps.failed === 0 ? 0 : 1;
}

/** `--keep`: the services stay up with the console over them, until SIGINT/SIGTERM. */
async function keep(steps: Steps, work: string, running: Running): Promise<void> {
  const stack = running.stack as RunningStack;
  const stopped = stopSignal();
  const u = stack.urls;
  const runs = join(work, 'runs');
  running.console = await consoleFromFlags({
    addr: '127.0.0.1:0',
    rekorUrl: u.rekor,
    trustedRoot: stack.trustedRootPath,
    runs,
  });
  steps.print(`\nServices left running (Ctrl-C to stop):`);
  steps.print(
    `  registry  ${u.registry}   log ${u.rekor}   CA ${u.fulcio}   CT log ${u.ctlog}   OIDC ${u.oidcIssuer}`,
  );
  steps.print(`  trusted root  ${stack.trustedRootPath}`);
  steps.print(
    `  e.g. ./bin/chains verify-attestation --trusted-root ${stack.trustedRootPath} --certificate-identity ${sanOf(DEMO_SA)} --certificate-oidc-issuer ${u.oidcIssuer} --rekor-url ${u.rekor} ${u.registryHost}/kaniko-chains`,
  );
  steps.print(`  runs      ${runs} (drop more TaskRun files here; the controller keeps watching)`);
  steps.print(`  console   ${running.console.url}`);
  await stopped;
}

async function keylessSteps(steps: Steps, work: string, sa: string, running: Running): Promise<void> {
  steps.title('Start the Sigstore services (chains stack serve)');
  const stack = await startStack({
    dir: join(work, 'stack'),
    ports: { registry: 0, tlog: 0, ca: 0, ctlog: 0, oidc: 0 },
  });
  running.stack = stack;
  const u = stack.urls;
  steps.ok(`OCI registry ${u.registry}, transparency log ${u.rekor}`);
  steps.ok(`certificate authority (Fulcio API) ${u.fulcio}, CT log ${u.ctlog}, OIDC issuer ${u.oidcIssuer}`);
  steps.ok(`trusted root written to ${stack.trustedRootPath}`);

  steps.title('Set up Authentication');
  // what the kubelet mounts for the controller: its projected service-account token, audience sigstore
  const tokenFile = join(work, 'oidc-token');
  writeFileSync(tokenFile, await mintToken({ dir: stack.dirs.oidc, kubernetesSa: sa }), { mode: 0o600 });
  steps.ok(`service-account token for ${sa} (audience sigstore) written to ${tokenFile}; no key anywhere`);

  steps.title('Configuring Tekton Chains');
  const cfgFile = writeConfig(work, stack, tokenFile, steps);

  steps.title('Start the Kaniko Task');
  const { image, digest } = await runKanikoTask(steps, work, u.registryHost);

  steps.title('Verifying the Image and Attestation');
  const log = jsonLogger((l) => void process.stderr.write(l), 'error');
  const config = loadLocalConfig(cfgFile, log);
  running.controller = await startLocalController({
    dir: join(work, 'runs'),
    config,
    signer: new SecretSignerSource(undefined, { x509: () => config.current.signers.x509 }),
    storeDir: join(work, 'store'),
    threads: 2,
    log,
  });
  const a = await waitForSigned(running.controller, steps, 'default', 'kaniko-run');
  if (a[A.SIGNED] !== 'true') return;
  steps.ok(`${A.TRANSPARENCY}=${a[A.TRANSPARENCY] ?? '(missing)'}`);
  const payloads = await verifyByIdentity(steps, stack, image);

  steps.title('Finding Provenance in Rekor');
  await findByIdentity(steps, stack, digest, payloads);

  steps.title('What you just created');
  steps.print(`   kaniko TaskRun ──▶ Chains controller (token of ${sa}) ──▶ CA: certificate for its key`);
  steps.print('                      └──▶ in-toto provenance (DSSE) + image signature, certificate attached');
  steps.print(`                           ├──▶ ${image}:sha256-….sig / .att (OCI registry)`);
  steps.print(`                           └──▶ transparency log ${u.rekor}`);
  steps.print(
    '   trusted_root.json + identity + issuer ──▶ chains verify / verify-attestation / tlog search + get',
  );
}

function writeConfig(work: string, stack: RunningStack, tokenFile: string, steps: Steps): string {
  const data = {
    'artifacts.taskrun.format': 'in-toto',
    'artifacts.taskrun.storage': 'oci',
    'transparency.enabled': 'true',
    'transparency.url': stack.urls.rekor,
    'signers.x509.fulcio.enabled': 'true',
    'signers.x509.fulcio.address': stack.urls.fulcio,
    'signers.x509.fulcio.issuer': stack.urls.oidcIssuer,
    'signers.x509.fulcio.provider': 'filesystem',
    'signers.x509.identity.token.file': tokenFile,
  };
  return writeChainsConfig(steps, work, data);
}

/** What `chains verify` / `verify-attestation --trusted-root … --certificate-identity … --certificate-oidc-issuer …` run. */
async function verifyByIdentity(steps: Steps, stack: RunningStack, image: string): Promise<Buffer[]> {
  const trust = parseTrustedRoot(readText(stack.trustedRootPath, 'trusted root'));
  const logKey = logKeyOf(stack);
  const identity = sanOf(DEMO_SA);
  const issuer = stack.urls.oidcIssuer;
  const opts = {
    client: new RegistryClient(),
    certificateCheck: keylessCertificateCheck({ policy: { identity, issuer }, trust }),
    checkBundle: tlogCheckBundle({ logPublicKey: logKey, client: new RekorClient(stack.urls.rekor) }),
  };
  const flags = `--trusted-root trusted_root.json --certificate-identity ${identity} --certificate-oidc-issuer ${issuer}`;
  // a failure carries the code of the check every signature failed, as the commands report it
  const coded = (e: unknown) => Promise.reject(keylessFailure(e));
  await steps.check(`chains verify ${flags} ${image}`, () =>
    verifyImageSignatures(image, { ...opts, annotations: {} }).catch(coded),
  );
  const verified = await steps.check(`chains verify-attestation ${flags} ${image}`, () =>
    verifyImageAttestations(image, opts).catch(coded),
  );
  return verifiedPayloads(verified?.verified);
}

/** What `chains tlog search --email <identity>`, `--sha <digest>` and `tlog get` run, every answer verified. */
async function findByIdentity(
  steps: Steps,
  stack: RunningStack,
  digest: string,
  payloads: Buffer[],
): Promise<void> {
  const rekor = new RekorClient(stack.urls.rekor, { logPublicKey: logKeyOf(stack) });
  const identity = sanOf(DEMO_SA);
  // the log indexes every SAN of a certificate, the Kubernetes URI too, under the email/subject search key
  const mine = await steps.check(`chains tlog search --email ${identity}`, () =>
    rekor.search({ email: identity }),
  );
  for (const id of mine ?? []) steps.print(`     ${id}`);
  if (mine?.length === 0) steps.bad(`no entry is signed by ${identity}`);
  const byDigest = await steps.check(`chains tlog search --sha ${digest}`, () =>
    rekor.search({ hash: digest }),
  );
  const both = (byDigest ?? []).filter((id) => (mine ?? []).includes(id));
  if (byDigest && mine && both.length === 0) steps.bad(`no entry for ${digest} is signed by ${identity}`);
  else if (byDigest && mine)
    steps.ok(`${both.length} entr${both.length === 1 ? 'y' : 'ies'} for the image signed by ${identity}`);
  await showAttestationEntry(steps, rekor, both, payloads);
}
