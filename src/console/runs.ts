import { parseRun } from '../model/index.ts';
import { buildStatement, discoverArtifacts } from '../provenance/index.ts';

/** A run as `kubectl get -o json` prints it (hostile: every field is checked before use). */
export interface RunDocument {
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    annotations?: Record<string, string>;
    [k: string]: unknown;
  };
  [k: string]: unknown;
}

/**
 * Where runs come from (a run directory in local mode, the Kubernetes watcher): the console only reads.
 * `subscribe` calls back with every run that changed until the returned function is called.
 */
export interface RunSource {
  readonly description: string;
  list(): RunDocument[];
  subscribe(onRun: (doc: RunDocument) => void): () => void;
}

export type RunStatus = 'signed' | 'failed' | 'pending';

export interface RunSummary {
  kind: string;
  namespace: string;
  name: string;
  uid: string;
  status: RunStatus;
  failureReason?: string;
  retries?: string;
  /** log indexes from `chains.tekton.dev/transparency` */
  logIndexes: number[];
  /** images the run built and where their signature and attestation live (cosign's tag scheme) */
  images: { ref: string; signature: string; attestation: string }[];
}

const A = 'chains.tekton.dev/';
const text = (v: unknown, max = 2048): string | undefined =>
  typeof v === 'string' ? v.slice(0, max) : undefined;

function logIndexes(v: string | undefined): number[] {
  if (!v) return [];
  return [...v.matchAll(/[?&]logIndex=([0-9]{1,15})/g)].map((m) => Number(m[1]));
}

function images(doc: RunDocument): RunSummary['images'] {
  try {
    return discoverArtifacts(parseRun(doc as object)).images.map((i) => {
      const tag = `${i.repository}:${i.digest.replace(':', '-')}`;
      return { ref: `${i.repository}@${i.digest}`, signature: `${tag}.sig`, attestation: `${tag}.att` };
    });
  } catch {
    return []; // a run that does not parse has no images to show
  }
}

export function summarizeRun(doc: RunDocument): RunSummary {
  const a = doc.metadata.annotations ?? {};
  const signed = text(a[`${A}signed`]);
  const failureReason = text(a[`${A}failure-reason`]);
  const retries = text(a[`${A}retries`], 16);
  return {
    kind: text(doc.kind, 32) ?? '?',
    namespace: text(doc.metadata.namespace, 253) ?? 'default',
    name: text(doc.metadata.name, 253) ?? '?',
    uid: text(doc.metadata.uid, 64) ?? '',
    status: signed === 'true' ? 'signed' : signed === 'failed' ? 'failed' : 'pending',
    ...(failureReason !== undefined ? { failureReason } : {}),
    ...(retries !== undefined ? { retries } : {}),
    logIndexes: logIndexes(text(a[`${A}transparency`])),
    images: images(doc),
  };
}

export interface RunStatement {
  source: 'tekton-annotation' | 'computed';
  statement: unknown;
}

/**
 * The run's statement: the signed payload the tekton backend wrote onto it (`payload-<kind>-<uid>`), else the
 * one the provenance library computes from the run (labelled: not the signed bytes).
 */
export function runStatement(doc: RunDocument): RunStatement | undefined {
  const a = doc.metadata.annotations ?? {};
  const uid = doc.metadata.uid ?? '';
  const key = `${A}payload-${(doc.kind ?? '').toLowerCase()}-${uid}`;
  const stored = a[key];
  if (stored) {
    try {
      return {
        source: 'tekton-annotation',
        statement: JSON.parse(Buffer.from(stored, 'base64').toString('utf8')),
      };
    } catch {
      /* fall through to the computed one */
    }
  }
  try {
    return { source: 'computed', statement: buildStatement('in-toto', parseRun(doc as object)).statement };
  } catch {
    return undefined;
  }
}

export function filterRuns(runs: RunSummary[], namespace?: string, status?: string): RunSummary[] {
  return runs
    .filter((r) => (!namespace || r.namespace === namespace) && (!status || r.status === status))
    .sort((x, y) => x.namespace.localeCompare(y.namespace) || x.name.localeCompare(y.name));
}
