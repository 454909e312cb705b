import { parseAllDocuments } from 'yaml';
import type { z } from 'zod';
import { ModelError } from './errors.ts';
import { pipelineRunSchema } from './pipelinerun.ts';
import type { PipelineRun } from './pipelinerun.ts';
import { displayName } from './run.ts';
import { taskRunSchema } from './taskrun.ts';
import type { TaskRun } from './taskrun.ts';

/** A parsed run: discriminated by `kind`. */
export type RunObject = TaskRun | PipelineRun;
export type RunKind = RunObject['kind'];

export interface ParseOptions {
  /** Kind to assume when the document has none (unit-test fixtures omit apiVersion/kind). */
  kind?: RunKind;
  /** Label for error messages, e.g. a file name. */
  source?: string;
  /** told about input read with a guess (a run without apiVersion in tekton.dev/v1beta1 shape) */
  onWarning?: (message: string) => void;
}

/** The non-empty YAML documents of `text`: kubectl skips empty ones, e.g. after a trailing `---`. */
function yamlDocuments(text: string, source: string): unknown[] {
  const docs = parseAllDocuments(text, { uniqueKeys: false });
  const all = Array.isArray(docs) ? docs : [docs];
  const bad = all.find((d) => d.errors.length > 0);
  if (bad) {
    const e = bad.errors[0];
    throw new ModelError(
      'INVALID_YAML',
      `${source}: not valid JSON or YAML: ${e?.message.split('\n')[0] ?? ''}`,
      { cause: e },
    );
  }
  return all.map((d) => d.toJS() as unknown).filter((v) => v !== null && v !== undefined);
}

/**
 * Parse JSON or YAML text as `kubectl get -o json|yaml` prints it. Empty documents (a leading or trailing
 * `---`) are skipped as kubectl skips them; more than one document is an error (one run per file).
 */
export function parseDocument(text: string, source = 'input'): unknown {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return JSON.parse(text);
    } catch {
      // fall through: YAML flow syntax is a superset of JSON, and its errors carry positions
    }
  }
  const docs = yamlDocuments(text, source);
  if (docs.length > 1)
    throw new ModelError(
      'INVALID_YAML',
      `${source}: holds ${docs.length} YAML documents, expected one run (children may be several documents or a List)`,
    );
  return docs[0] ?? null;
}

/** Several `---`-separated YAML documents become an array; one document is returned as is. */
function parseStream(text: string, source = 'input'): unknown {
  if (!/^---/m.test(text)) return parseDocument(text, source);
  const docs = yamlDocuments(text, source);
  return docs.length === 1 ? docs[0] : docs;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Kind from the document, else guessed from fields only a PipelineRun has. */
function kindOf(doc: Record<string, unknown>, fallback: RunKind | undefined): string {
  if (typeof doc.kind === 'string') return doc.kind;
  if (fallback) return fallback;
  const spec = isRecord(doc.spec) ? doc.spec : {};
  const status = isRecord(doc.status) ? doc.status : {};
  const pr =
    'pipelineRef' in spec ||
    'pipelineSpec' in spec ||
    'pipelineSpec' in status ||
    'childReferences' in status;
  return pr ? 'PipelineRun' : 'TaskRun';
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : `${acc}${acc ? '.' : ''}${String(p)}`),
    '',
  );
}

function check<T>(schema: z.ZodType<T>, doc: unknown, what: string): T {
  const r = schema.safeParse(doc);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const at = issue ? formatPath(issue.path) || '<root>' : '<root>';
  throw new ModelError('INVALID_RUN', `${what}: invalid field ${at}: ${issue?.message ?? 'invalid'}`, {
    cause: r.error,
  });
}

/** Result fields tekton.dev/v1beta1 names differently (Tekton's conversion moves them to v1 `status.results`). */
const V1BETA1_RESULTS: Record<string, string> = { TaskRun: 'taskResults', PipelineRun: 'pipelineResults' };

/**
 * A run without apiVersion is read as tekton.dev/v1, as Chains decodes it; results in a v1beta1 field are then
 * ignored, which silently drops subjects, so say so (upstream fixtures and hand-written files have this shape).
 */
function warnV1beta1Shape(doc: Record<string, unknown>, kind: string, opts: ParseOptions): void {
  const field = V1BETA1_RESULTS[kind];
  const status = isRecord(doc.status) ? doc.status : undefined;
  if (!field || !status || !Array.isArray(status[field]) || status[field].length === 0) return;
  opts.onWarning?.(
    `${opts.source ?? 'run'}: no apiVersion and results in status.${field}, a tekton.dev/v1beta1 field: read as tekton.dev/v1, they are ignored and give no subjects (set apiVersion: tekton.dev/v1 and use status.results)`,
  );
}

/** Validate an already-decoded object as a tekton.dev/v1 TaskRun or PipelineRun. */
export function parseRunObject(doc: unknown, opts: ParseOptions = {}): RunObject {
  const what = opts.source ?? 'run';
  if (!isRecord(doc))
    throw new ModelError(
      'INVALID_RUN',
      `${what}: expected an object, got ${doc === null ? 'an empty document' : typeof doc}`,
    );
  if (doc.apiVersion !== undefined && doc.apiVersion !== 'tekton.dev/v1') {
    throw new ModelError(
      'UNSUPPORTED_KIND',
      `${what}: apiVersion ${String(doc.apiVersion)} is not supported (only tekton.dev/v1)`,
    );
  }
  const kind = kindOf(doc, opts.kind);
  if (doc.apiVersion === undefined) warnV1beta1Shape(doc, kind, opts);
  const withKind = { ...doc, kind };
  switch (kind) {
    case 'TaskRun':
      return check(taskRunSchema, withKind, what);
    case 'PipelineRun':
      return check(pipelineRunSchema, withKind, what);
    default:
      throw new ModelError('UNSUPPORTED_KIND', `${what}: kind ${kind} is not a TaskRun or PipelineRun`);
  }
}

/** Parse one run from JSON/YAML text or a decoded object. Pure: takes text, not a path. */
export function parseRun(input: string | object, opts: ParseOptions = {}): RunObject {
  const doc = typeof input === 'string' ? parseDocument(input, opts.source) : input;
  return parseRunObject(doc, opts);
}

/**
 * Parse child TaskRuns: a single TaskRun, a `kind: List` (or any `items` list), or an array.
 * Each item must be a TaskRun.
 */
export function parseTaskRuns(input: string | object, opts: Omit<ParseOptions, 'kind'> = {}): TaskRun[] {
  const doc = typeof input === 'string' ? parseStream(input, opts.source) : input;
  const what = opts.source ?? 'input';
  const items: unknown[] = Array.isArray(doc)
    ? doc
    : isRecord(doc) && Array.isArray(doc.items)
      ? doc.items
      : [doc];
  return items.map((item, i) => {
    const source = items.length > 1 ? `${what}[${i}]` : what;
    const run = parseRunObject(item, {
      kind: 'TaskRun',
      source,
      ...(opts.onWarning ? { onWarning: opts.onWarning } : {}),
    });
    if (run.kind !== 'TaskRun') {
      throw new ModelError(
        'UNSUPPORTED_KIND',
        `${what}: child ${displayName(run.metadata)} is a ${run.kind}, not a TaskRun`,
      );
    }
    return run;
  });
}
