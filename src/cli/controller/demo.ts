import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import * as A from '../../controller/annotations.ts';
import { finishedKanikoTaskRun } from '../../demo/kaniko-run.ts';
import { jsonLogger } from '../../controller/log.ts';
import { generateKeyPair, loadPublicKey } from '../../keys/index.ts';
import { RegistryClient } from '../../registry/client.ts';
import { startRegistryServer, type RunningRegistry } from '../../registry/server/index.ts';
import { startLogServer, type RunningLogServer } from '../../tlog/server/index.ts';
import { RekorClient } from '../../tlog/client/rekor.ts';
import { getOutput } from '../../tlog/client/format.ts';
import { parseBodyBase64 } from '../../tlog/bodies/index.ts';
import type { TlogEntry } from '../../tlog/types/index.ts';
import { describeError } from '../../core/errors.ts';
import { verifyImageSignatures } from '../../verify/image.ts';
import { verifyImageAttestations } from '../../verify/attestation.ts';
import { tlogCheckBundle } from '../../verify/tlog.ts';
import type { RunningConsole } from '../../console/index.ts';
import { consoleFromFlags } from '../console-wiring.ts';
import { pushDemoImage } from '../../demo/image.ts';
import { loadLocalConfig, startLocalController, type LocalController } from './local-mode.ts';
import { keyFileSigner } from './signer.ts';

const out = (s: string): void => void process.stdout.write(`${s}\n`);
const DEMO_PASSWORD = 'chains-demo';

/** Step bookkeeping: titled as in the tutorial, ✓/✗ per check, exit 1 when any check failed. */
class Steps {
  failed = 0;
  private n = 0;
  title(t: string): void {
    this.n++;
    out(`\n== ${this.n}. ${t}`);
  }
  ok(msg: string): void {
    out(`   ✓ ${msg}`);
  }
  bad(msg: string): void {
    this.failed++;
    out(`   ✗ ${msg}`);
  }
  /** One check through the library call behind the named command: ✓ when it returns, ✗ with its error. */
  async check<T>(what: string, f: () => Promise<T>): Promise<T | undefined> {
    try {
      const r = await f();
      this.ok(what);
      return r;
    } catch (e) {
      this.bad(`${what}: ${describeError(e)}`);
      return undefined;
    }
  }
}

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

async function waitForSigned(
  ctl: LocalController,
  steps: Steps,
  ns: string,
  name: string,
): Promise<Record<string, string>> {
  const started = Date.now();
  const tty = process.stdout.isTTY === true;
  if (!tty) out(`   … the controller is watching the run directory; waiting for ${A.SIGNED}=true`);
  for (;;) {
    const doc = await ctl.runs.latest({ kind: 'TaskRun', namespace: ns, name, uid: '' });
    const a = doc?.metadata.annotations ?? {};
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    if (tty) process.stdout.write('\r\x1b[K');
    if (a[A.SIGNED] === 'true') {
      steps.ok(`${A.SIGNED}=true after ${secs}s`);
      return a;
    }
    if (a[A.SIGNED] === 'failed' || Date.now() - started > 60_000) {
      steps.bad(
        `${A.SIGNED}=${a[A.SIGNED] ?? '(none after 60s)'}: ${a[A.FAILURE_REASON] ?? 'no reason recorded'}`,
      );
      return a;
    }
    const retry = a[A.RETRIES] ? `, retries ${a[A.RETRIES]}: ${a[A.FAILURE_REASON] ?? ''}` : '';
    if (tty) process.stdout.write(`   … waiting for ${A.SIGNED}=true (${secs}s${retry})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** `chains demo`: the signed-provenance tutorial end to end on loopback, no cluster, cloud or internet. */
export async function runDemo(o: { keep?: boolean; dir?: string }): Promise<void> {
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
    await new Promise<void>((r) => {
      process.once('SIGINT', r);
      process.once('SIGTERM', r);
    });
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
  const cfgFile = join(work, 'chains-config.yaml');
  writeFileSync(
    cfgFile,
    stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'chains-config', namespace: 'tekton-chains' },
      data,
    }),
  );
  for (const [k, v] of Object.entries(data)) steps.ok(`${k}=${v}`);

  steps.title('Start the Kaniko Task');
  const image = `${servers.registry.host}/kaniko-chains`;
  const digest = await pushDemoImage(new RegistryClient(), image);
  steps.ok(`built and pushed ${image}@${digest}`);
  const run = finishedKanikoTaskRun({
    name: 'kaniko-run',
    uid: randomUUID(),
    image,
    digest,
    finishedAt: new Date(),
  });
  writeFileSync(join(work, 'runs', 'kaniko-run.json'), `${JSON.stringify(run, null, 4)}\n`);
  steps.ok(`TaskRun kaniko-run finished with IMAGE_URL=${image} IMAGE_DIGEST=${digest}`);

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
  const payloads = (verified?.verified ?? []).map((v) =>
    Buffer.from((JSON.parse(v.envelope.toString('utf8')) as { payload: string }).payload, 'base64'),
  );

  steps.title('Finding Provenance in Rekor');
  await findInLog(steps, rekor, digest, payloads);

  steps.title('What you just created');
  out('   kaniko TaskRun ──▶ Chains controller ──▶ in-toto provenance (DSSE, cosign.key)');
  out(`                                     ├──▶ ${image}:sha256-….sig / .att (OCI registry)`);
  out(`                                     └──▶ transparency log ${servers.log.url}`);
  out('   cosign.pub ──▶ chains verify / verify-attestation / tlog search + get');
}

/** The attestation an entry proves: stored in the entry (intoto), or the verified one whose hash a dsse entry records. */
function attestationOf(entry: TlogEntry, verified: Buffer[]): { how: string; bytes: Buffer } | undefined {
  const { Attestation } = getOutput(entry);
  if (Attestation) return { how: 'Attestation field', bytes: Buffer.from(Attestation, 'base64') };
  const body = parseBodyBase64(entry.body);
  const want = body.kind === 'dsse' ? body.facts.payloadHash?.value : undefined;
  const match = verified.find((p) => createHash('sha256').update(p).digest('hex') === want);
  return match
    ? { how: `dsse payloadHash sha256:${want?.slice(0, 12)}… = the verified attestation`, bytes: match }
    : undefined;
}

/** What `chains tlog search --sha` and `chains tlog get --format json` run, every answer verified. */
async function findInLog(
  steps: Steps,
  rekor: RekorClient,
  digest: string,
  verified: Buffer[],
): Promise<void> {
  const uuids = await steps.check(`chains tlog search --sha ${digest}`, () => rekor.search({ hash: digest }));
  for (const u of uuids ?? []) out(`     ${u}`);
  if (uuids?.length === 0) steps.bad('the search found no entry for the image digest');
  for (const uuid of uuids ?? []) {
    let att: ReturnType<typeof attestationOf>;
    try {
      att = attestationOf(await rekor.getEntry(uuid), verified);
    } catch (e) {
      steps.bad(`chains tlog get --uuid ${uuid.slice(0, 12)}… --format json: ${describeError(e)}`);
      continue;
    }
    if (!att) continue;
    steps.ok(`chains tlog get --uuid ${uuid} --format json: ${att.how}`);
    const statement = JSON.parse(att.bytes.toString('utf8')) as unknown;
    out(JSON.stringify(statement, null, 2).replace(/^/gm, '     '));
    return;
  }
  steps.bad('no entry found for the digest carries the attestation');
}
