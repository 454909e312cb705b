import { createHash } from 'node:crypto';
import { describeError } from '../core/errors.ts';
import type { SignedRecord } from '../core/signed.ts';
import type {
  ArtifactsOptions,
  BuilderOptions,
  SignersOptions,
  TransparencyOptions,
} from '../config/types.ts';
import type { RunObject, TaskRun } from '../model/index.ts';
import { NO_SIGNER, registrySignerFor, signInToto, signRaw, type SignerName } from '../signing/index.ts';
import type { RunRef, StorageBackend } from '../storage/backend.ts';
import * as A from './annotations.ts';
import { ControllerError } from './errors.ts';
import type { Logger } from './log.ts';
import { silentLogger } from './log.ts';
import { noMetrics, type FailureType, type MetricsRecorder } from './metrics.ts';
import { parseRunDoc, type PayloadBuilder, type SignableItem, type SignableType } from './payloads.ts';
import type {
  BackendResolver,
  IndexChildren,
  RunAccess,
  RunDoc,
  SignerSource,
  TransparencyUploader,
  UploadedEntry,
} from './ports.ts';
import { expandIndexes } from './index-children.ts';
import { SignCache, tooLateToLog } from './sign-cache.ts';
import { lookUpLogged, mayBeLogged } from './tlog-reuse.ts';
import { kindLabel, runRefOf, storeRequest } from './requests.ts';

export { runRefOf } from './requests.ts';

/** The orchestrator's slice of chains-config. */
export interface OrchestratorOptions {
  artifacts: ArtifactsOptions;
  /** `signers.x509.fulcio.enabled` turns `x509` into the keyless signer */
  signers?: SignersOptions;
  transparency: TransparencyOptions;
  builder: BuilderOptions;
}

export interface OrchestratorDeps {
  signer: SignerSource;
  payloads: PayloadBuilder;
  backends: BackendResolver;
  runs: RunAccess;
  /** required when transparency is on */
  tlog?: TransparencyUploader;
  options: () => OrchestratorOptions;
  metrics?: MetricsRecorder;
  log?: Logger;
  /**
   * Runs that completed before this instant may have been uploaded by an earlier instance that stopped before
   * marking them: their payloads are looked up in the log before signing. Default: the first `signRun`, i.e.
   * when this replica started working (a standby replica built long before it took the Lease counts from then).
   */
  startedAt?: Date;
  /** manifests below an image index, read with the run's registry credentials (sign-index-children) */
  indexChildren?: IndexChildren;
}

export interface StepError {
  step: FailureType;
  /** backend name for storage errors */
  backend?: string;
  message: string;
}

export type Outcome =
  | { status: 'signed'; signed: number; transparency?: string }
  | { status: 'retry'; reason: string; errors: StepError[] }
  | { status: 'failed'; reason: string; errors: StepError[] }
  | { status: 'skipped'; why: string };

const TYPES: SignableType[] = ['taskrun', 'pipelinerun', 'oci'];

/** Chains' getSignableTypes + Enabled(): run artifacts for their kind, images for TaskRuns only. */
function applies(type: SignableType, kind: RunObject['kind'], opts: OrchestratorOptions): boolean {
  if (!opts.artifacts[type].enabled) return false;
  if (type === 'oci') return kind === 'TaskRun';
  return kind === (type === 'taskrun' ? 'TaskRun' : 'PipelineRun');
}

function nothingEnabled(kind: RunObject['kind'], opts: OrchestratorOptions): string {
  const enabled = TYPES.filter((t) => applies(t, kind, opts));
  return enabled.length
    ? `nothing to sign for this ${kind}: [${enabled.join(', ')}] found no object (no image for oci)`
    : `no artifact type is enabled for ${kind}s`;
}

/** The registry entry `artifacts.<type>.signer` selects (an enabled type never has `none`): x509 or keyless. */
function signerName(type: SignableType, opts: OrchestratorOptions): SignerName {
  const name = opts.artifacts[type].signer;
  if (name === NO_SIGNER) throw new ControllerError('SIGNING', `artifacts.${type}.signer is none`);
  return registrySignerFor(name, opts.signers?.x509);
}

/** Per-type pass state: errors collected per step and backend, entries uploaded, objects built and signed. */
interface Pass {
  errors: StepError[];
  lastEntry?: UploadedEntry;
  built: number;
  signed: number;
}

/**
 * ObjectSigner.Sign as named steps per signable object: build payload → sign → upload to the log → store in every
 * configured backend → mark (https://github.com/tektoncd/chains/tree/main/pkg/reconciler). Errors are collected per backend; a failed type triggers Chains'
 * retry policy plus a `failure-reason`; a run is never marked `signed=true` when nothing was signed.
 */
export class Orchestrator {
  private readonly cache = new SignCache();
  private readonly metrics: MetricsRecorder;
  private readonly log: Logger;
  private startedAt: number | undefined;

  constructor(private readonly deps: OrchestratorDeps) {
    this.metrics = deps.metrics ?? noMetrics;
    this.log = deps.log ?? silentLogger;
    this.startedAt = deps.startedAt?.getTime();
  }

  /** Sign one done, not yet handled run and write the outcome's annotations. */
  async signRun(doc: RunDoc, children: readonly TaskRun[] = []): Promise<Outcome> {
    this.startedAt ??= Date.now();
    const ref = runRefOf(doc);
    const opts = this.deps.options();
    let run: RunObject;
    try {
      run = parseRunDoc(doc, (m) => this.log('warn', m));
    } catch (e) {
      return this.fail(ref, doc, [{ step: 'payload_creation', message: describeError(e) }]);
    }
    const pass: Pass = { errors: [], built: 0, signed: 0 };
    for (const type of TYPES) {
      if (!applies(type, run.kind, opts)) continue;
      await this.signType(type, run, doc, children, opts, pass);
      if (pass.errors.length) return this.fail(ref, doc, pass.errors);
    }
    // nothing enabled for this run (e.g. an image-less TaskRun under a PipelineRun-only config): left unmarked
    if (pass.built === 0) return { status: 'skipped', why: nothingEnabled(run.kind, opts) };
    if (pass.signed === 0) return this.nothingSigned(ref, run, opts);
    return this.markSigned(ref, doc, pass, opts);
  }

  /**
   * A run that cannot be signed for a reason found before payloads (a PipelineRun's child TaskRun is gone): Chains'
   * retry policy with the reason, so it ends `signed=failed` instead of waiting forever (Chains #602, #1210).
   */
  async refuse(doc: RunDoc, message: string): Promise<Outcome> {
    const kind = doc.kind === 'PipelineRun' ? 'pipelinerun' : 'taskrun';
    this.metrics.signingFailure(kind, 'payload_creation');
    return this.fail(runRefOf(doc), doc, [{ step: 'payload_creation', message }]);
  }

  /** Whether the configuration signs anything for runs of this kind (a finalizer is worth holding). */
  signsKind(kind: 'TaskRun' | 'PipelineRun'): boolean {
    const opts = this.deps.options();
    return TYPES.some((t) => applies(t, kind, opts));
  }

  /**
   * Whether a done run has something to sign under the current configuration: a run artifact, or an image for
   * `oci`. A run that cannot be parsed has work (it fails with the reason, it is not silently skipped).
   */
  hasWork(doc: RunDoc): boolean {
    const opts = this.deps.options();
    let run: RunObject;
    try {
      run = parseRunDoc(doc);
    } catch {
      return true;
    }
    return TYPES.some((t) => {
      if (!applies(t, run.kind, opts)) return false;
      if (t !== 'oci') return true;
      try {
        return this.deps.payloads.build(t, run, []).length > 0;
      } catch {
        return true;
      }
    });
  }

  /** Step 1 (build payload) for a type, then the per-item steps. */
  private async signType(
    type: SignableType,
    run: RunObject,
    doc: RunDoc,
    children: readonly TaskRun[],
    opts: OrchestratorOptions,
    pass: Pass,
  ): Promise<void> {
    let items: SignableItem[];
    try {
      items = this.deps.payloads.build(type, run, children);
      const lookup = this.deps.indexChildren;
      // artifacts.oci.sign-index-children: the manifests below an image index are signed and attested too
      if (lookup && opts.artifacts.oci.signIndexChildren)
        items = await expandIndexes(items, (image) => lookup(doc, image));
    } catch (e) {
      this.failure(run, type, 'payload_creation');
      pass.errors.push({ step: 'payload_creation', message: `${type}: ${describeError(e)}` });
      return;
    }
    pass.built += items.length;
    for (const item of items) await this.signItem(item, run, doc, opts, pass);
  }

  private async signItem(
    item: SignableItem,
    run: RunObject,
    doc: RunDoc,
    opts: OrchestratorOptions,
    pass: Pass,
  ): Promise<void> {
    const ref = runRefOf(doc);
    const digest = createHash('sha256').update(item.payload).digest('hex');
    const key = `${item.type}|${item.shortKey}|${digest}`;
    const upload = this.shouldUpload(doc, opts);
    let cached = this.cache.get(ref.uid, key);
    if (cached && !cached.entry && upload && tooLateToLog(cached.record)) cached = undefined;
    if (!cached && upload && mayBeLogged(doc, this.startedAt ?? 0)) {
      const found = await this.findLogged(item, digest, run, opts, pass);
      if (found === null) return;
      cached = found;
    }
    const record = cached?.record ?? (await this.sign(item, run, opts, pass));
    if (!record) return;
    let entry = cached?.entry;
    if (!entry && upload) entry = await this.upload(item, record, run, pass);
    this.cache.set(ref.uid, key, { record, entry });
    if (entry) pass.lastEntry = entry;
    // Chains bundles attestations only; a keyless image signature gets its bundle too (as cosign sign writes it):
    // without the entry's integrated time its certificate cannot be checked offline
    const bundled = record.kind === 'dsse' || record.identity.kind === 'certificate';
    const withBundle: SignedRecord = entry?.bundle && bundled ? { ...record, bundle: entry.bundle } : record;
    const stored = await this.store(item, withBundle, ref, doc, opts, pass);
    // signed counts once the object reached a backend, or the log when no storage is configured for the type
    if (stored > 0 || (opts.artifacts[item.type].storage.length === 0 && entry)) pass.signed++;
  }

  /**
   * Step 2a (runs an earlier instance may have handled, tlog-reuse.ts): the logged record to reuse, undefined to
   * sign, or null when the log could not be asked: signing then could duplicate an entry, so a `tlog` error.
   */
  private async findLogged(
    item: SignableItem,
    digest: string,
    run: RunObject,
    opts: OrchestratorOptions,
    pass: Pass,
  ): Promise<{ record: SignedRecord; entry: UploadedEntry } | undefined | null> {
    const tlog = this.deps.tlog;
    if (!tlog?.findByPayload) return undefined;
    try {
      const reused = await lookUpLogged(tlog, this.deps.signer, signerName(item.type, opts), item, digest);
      if (reused)
        this.log('info', 'reusing the log entry of an earlier attempt', {
          run: `${run.kind}/${run.metadata.namespace ?? ''}/${run.metadata.name}`,
          item: item.shortKey,
          logIndex: reused.entry.logIndex,
        });
      return reused;
    } catch (e) {
      this.failure(run, item.type, 'tlog');
      pass.errors.push({
        step: 'tlog',
        message: `looking up ${item.shortKey} in ${tlog.url}: ${describeError(e)}`,
      });
      return null;
    }
  }

  /** Step 2: DSSE for in-toto statements, a raw signature for simplesigning (https://tekton.dev/docs/chains/signing/). */
  private async sign(
    item: SignableItem,
    run: RunObject,
    opts: OrchestratorOptions,
    pass: Pass,
  ): Promise<SignedRecord | undefined> {
    try {
      const signer = await this.deps.signer.current(signerName(item.type, opts));
      const record =
        item.type === 'oci'
          ? { ...(await signRaw(signer, item.payload)), kind: 'simplesigning' as const }
          : await signInToto(signer, item.payload);
      this.metrics.signCreated(kindLabel(run));
      return record;
    } catch (e) {
      this.failure(run, item.type, 'signing');
      pass.errors.push({ step: 'signing', message: `signing ${item.shortKey}: ${describeError(e)}` });
      return undefined;
    }
  }

  /** `true` uploads everything; `manual` only runs asking for it that are not yet in the log (https://tekton.dev/docs/chains/config/). */
  private shouldUpload(doc: RunDoc, opts: OrchestratorOptions): boolean {
    const a = doc.metadata.annotations ?? {};
    if (opts.transparency.mode === 'on') return true;
    return opts.transparency.mode === 'manual' && a[A.TRANSPARENCY_UPLOAD] === 'true' && !a[A.TRANSPARENCY];
  }

  /** Step 3: a failed upload is a `tlog` error (the run retries) but storage still proceeds without the bundle. */
  private async upload(
    item: SignableItem,
    record: SignedRecord,
    run: RunObject,
    pass: Pass,
  ): Promise<UploadedEntry | undefined> {
    try {
      if (!this.deps.tlog) throw new Error('transparency is enabled but no log client is configured');
      const entry = await this.deps.tlog.upload(record);
      this.metrics.payloadUploaded(kindLabel(run));
      return entry;
    } catch (e) {
      this.failure(run, item.type, 'tlog');
      pass.errors.push({
        step: 'tlog',
        message: `uploading ${item.shortKey} to ${this.deps.tlog?.url ?? 'the log'}: ${describeError(e)}`,
      });
      return undefined;
    }
  }

  /** Step 4: every configured backend, errors collected per backend (one failing does not block the others). */
  private async store(
    item: SignableItem,
    record: SignedRecord,
    ref: RunRef,
    doc: RunDoc,
    opts: OrchestratorOptions,
    pass: Pass,
  ): Promise<number> {
    const names = opts.artifacts[item.type].storage;
    let backends: ReadonlyMap<string, StorageBackend>;
    try {
      backends = await this.deps.backends(doc);
    } catch (e) {
      pass.errors.push({ step: 'storage', message: `preparing storage: ${describeError(e)}` });
      return 0;
    }
    const req = storeRequest(item, record, ref);
    let stored = 0;
    for (const name of names) {
      const backend = backends.get(name);
      try {
        if (!backend) throw new Error(`storage backend "${name}" is not configured`);
        await backend.store(req);
        this.metrics.payloadStored(ref.kind === 'PipelineRun' ? 'pipelinerun' : 'taskrun');
        stored++;
      } catch (e) {
        if (item.type !== 'oci')
          this.metrics.signingFailure(ref.kind === 'PipelineRun' ? 'pipelinerun' : 'taskrun', 'storage');
        pass.errors.push({
          step: 'storage',
          backend: name,
          message: `storing ${item.shortKey} in ${name}: ${describeError(e)}`,
        });
      }
    }
    return stored;
  }

  private failure(run: RunObject, type: SignableType, step: FailureType): void {
    if (type !== 'oci') this.metrics.signingFailure(kindLabel(run), step); // Chains does not count OCI-image errors
  }

  /** Retry bookkeeping on the freshest annotations: `retries` 0..3, then `signed=failed`, always a reason. */
  private async fail(ref: RunRef, doc: RunDoc, errors: StepError[]): Promise<Outcome> {
    const reason = errors.map((e) => `${e.step}: ${e.message}`).join('; ');
    const latest = (await this.deps.runs.latest(ref).catch(() => undefined)) ?? doc;
    const next = A.nextRetry(latest.metadata.annotations, reason);
    await this.deps.runs.writeAnnotations(ref, next.annotations);
    this.log(
      next.failed ? 'error' : 'warn',
      next.failed ? 'signing failed, giving up' : 'signing failed, will retry',
      {
        run: `${ref.kind}/${ref.namespace}/${ref.name}`,
        retries: next.annotations[A.RETRIES],
        reason,
      },
    );
    if (next.failed) this.cache.forget(ref.uid);
    return next.failed ? { status: 'failed', reason, errors } : { status: 'retry', reason, errors };
  }

  private async nothingSigned(ref: RunRef, run: RunObject, opts: OrchestratorOptions): Promise<Outcome> {
    const enabled = (['taskrun', 'pipelinerun', 'oci'] as const).filter((t) => opts.artifacts[t].enabled);
    const reason = `nothing was signed for this ${run.kind}: enabled artifact types [${enabled.join(', ')}] produced no signed object`;
    await this.deps.runs.writeAnnotations(ref, { [A.SIGNED]: 'failed', [A.FAILURE_REASON]: reason });
    return { status: 'failed', reason, errors: [] };
  }

  /** Step 5: `signed=true`, the transparency annotation (last upload wins), and no stale failure reason. */
  private async markSigned(
    ref: RunRef,
    doc: RunDoc,
    pass: Pass,
    opts: OrchestratorOptions,
  ): Promise<Outcome> {
    const transparency = pass.lastEntry
      ? A.transparencyValue(this.deps.tlog?.url ?? opts.transparency.url, pass.lastEntry.logIndex)
      : undefined;
    const annotations: Record<string, string | null> = { [A.SIGNED]: 'true' };
    if (transparency) annotations[A.TRANSPARENCY] = transparency;
    if (doc.metadata.annotations?.[A.FAILURE_REASON] !== undefined) annotations[A.FAILURE_REASON] = null;
    await this.deps.runs.writeAnnotations(ref, annotations);
    this.metrics.markedSigned(ref.kind === 'PipelineRun' ? 'pipelinerun' : 'taskrun');
    this.cache.forget(ref.uid);
    this.log('info', 'run signed', {
      run: `${ref.kind}/${ref.namespace}/${ref.name}`,
      signed: pass.signed,
      transparency,
    });
    return { status: 'signed', signed: pass.signed, ...(transparency ? { transparency } : {}) };
  }
}
