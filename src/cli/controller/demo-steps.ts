import { createHash, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import * as A from '../../controller/annotations.ts';
import { describeError } from '../../core/errors.ts';
import { pushDemoImage } from '../../demo/image.ts';
import { finishedKanikoTaskRun } from '../../demo/kaniko-run.ts';
import { RegistryClient } from '../../registry/client.ts';
import type { RekorClient } from '../../tlog/client/rekor.ts';
import { getOutput } from '../../tlog/client/format.ts';
import { parseBodyBase64 } from '../../tlog/bodies/index.ts';
import type { TlogEntry } from '../../tlog/types/index.ts';
import type { LocalController } from './local-mode.ts';

/** Where the demo writes its lines (the terminal, or a test's list). */
export type Print = (line: string) => void;

export const stdoutPrint: Print = (s) => void process.stdout.write(`${s}\n`);

/** Step bookkeeping: titled as in the tutorial, ✓/✗ per check, exit 1 when any check failed. */
export class Steps {
  failed = 0;
  private n = 0;
  constructor(readonly print: Print = stdoutPrint) {}
  title(t: string): void {
    this.n++;
    this.print(`\n== ${this.n}. ${t}`);
  }
  ok(msg: string): void {
    this.print(`   ✓ ${msg}`);
  }
  bad(msg: string): void {
    this.failed++;
    this.print(`   ✗ ${msg}`);
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

/** "Configuring Tekton Chains": the chains-config ConfigMap the controller reads, each key printed. */
export function writeChainsConfig(steps: Steps, work: string, data: Record<string, string>): string {
  const cfgFile = join(work, 'chains-config.yaml');
  const metadata = { name: 'chains-config', namespace: 'tekton-chains' };
  writeFileSync(cfgFile, stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata, data }));
  for (const [k, v] of Object.entries(data)) steps.ok(`${k}=${v}`);
  return cfgFile;
}

/** "Start the Kaniko Task": push the demo image, then write the finished TaskRun the controller picks up. */
export async function runKanikoTask(
  steps: Steps,
  work: string,
  registryHost: string,
): Promise<{ image: string; digest: string }> {
  const image = `${registryHost}/kaniko-chains`;
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
  return { image, digest };
}

/** Wait for the controller's mark on the demo's TaskRun (a live counter on a terminal). */
export async function waitForSigned(
  ctl: LocalController,
  steps: Steps,
  ns: string,
  name: string,
): Promise<Record<string, string>> {
  const started = Date.now();
  const tty = steps.print === stdoutPrint && process.stdout.isTTY === true;
  if (!tty) steps.print(`   … the controller is watching the run directory; waiting for ${A.SIGNED}=true`);
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

/**
 * What `chains tlog get --uuid U --format json` runs for each entry ID, every answer verified: the first entry
 * that proves a verified attestation is shown. Returns its ID.
 */
export async function showAttestationEntry(
  steps: Steps,
  rekor: RekorClient,
  uuids: readonly string[],
  verified: Buffer[],
): Promise<string | undefined> {
  for (const uuid of uuids) {
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
    steps.print(JSON.stringify(statement, null, 2).replace(/^/gm, '     '));
    return uuid;
  }
  steps.bad('no entry found for the digest carries the attestation');
  return undefined;
}

/** What `chains tlog search --sha` and `chains tlog get --format json` run, every answer verified. */
export async function findInLog(
  steps: Steps,
  rekor: RekorClient,
  digest: string,
  verified: Buffer[],
): Promise<void> {
  const uuids = await steps.check(`chains tlog search --sha ${digest}`, () => rekor.search({ hash: digest }));
  for (const u of uuids ?? []) steps.print(`     ${u}`);
  if (uuids?.length === 0) steps.bad('the search found no entry for the image digest');
  await showAttestationEntry(steps, rekor, uuids ?? [], verified);
}

/** The statements inside verified DSSE envelopes. */
export function verifiedPayloads(verified: readonly { envelope: Buffer }[] | undefined): Buffer[] {
  return (verified ?? []).map((v) =>
    Buffer.from((JSON.parse(v.envelope.toString('utf8')) as { payload: string }).payload, 'base64'),
  );
}
