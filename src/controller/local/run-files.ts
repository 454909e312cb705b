import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { parseAllDocuments, stringify } from 'yaml';
import { describeError } from '../../core/errors.ts';
import { ControllerError } from '../errors.ts';
import type { RunDoc } from '../ports.ts';

export type FileFormat = 'json' | 'yaml';

/** A run file as `kubectl get -o json|yaml` prints it: one object, a `List`, or several YAML documents. */
export interface RunFile {
  path: string;
  format: FileFormat;
  docs: RunDoc[];
  /** runs skipped for having no `metadata.name` (a manifest with `generateName`), as `Kind generateName<generated>` */
  unnamed: string[];
}

const isRunKind = (v: unknown): v is Record<string, unknown> & { metadata?: Record<string, unknown> } =>
  typeof v === 'object' &&
  v !== null &&
  ((v as Record<string, unknown>).kind === 'TaskRun' ||
    (v as Record<string, unknown>).kind === 'PipelineRun');

function isRun(v: unknown): v is RunDoc {
  return isRunKind(v) && typeof v.metadata?.name === 'string' && v.metadata.name !== '';
}

/** `TaskRun build-<generated>` for a run without a name (the API server names runs; a file may not). */
function unnamedRun(v: unknown): string | undefined {
  if (!isRunKind(v) || isRun(v)) return undefined;
  const g = v.metadata?.generateName;
  return `${String(v.kind)} ${typeof g === 'string' && g ? `${g}<generated>` : '<unnamed>'}`;
}

/** Files without a uid (hand-written) get a stable one derived from kind/namespace/name. */
export function ensureUid(doc: RunDoc): RunDoc {
  if (doc.metadata.uid) return doc;
  const h = createHash('sha256')
    .update(`${doc.kind}/${doc.metadata.namespace ?? 'default'}/${doc.metadata.name}`)
    .digest('hex');
  const uid = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
  return { ...doc, metadata: { ...doc.metadata, uid } };
}

/** Read and parse; LOCAL_RUN_FILE names the file and what is wrong. Non-run documents are ignored. */
export function readRunFile(path: string): RunFile {
  const text = readFileSync(path, 'utf8');
  const format: FileFormat = text.trimStart().startsWith('{') ? 'json' : 'yaml';
  let values: unknown[];
  try {
    if (format === 'json') values = [JSON.parse(text)];
    else
      values = parseAllDocuments(text).map((d) => {
        if (d.errors.length) throw d.errors[0];
        return d.toJS() as unknown;
      });
  } catch (e) {
    throw new ControllerError(
      'LOCAL_RUN_FILE',
      `${path}: not valid ${format.toUpperCase()}: ${describeError(e).split('\n')[0]}`,
      { cause: e },
    );
  }
  const docs: RunDoc[] = [];
  const unnamed: string[] = [];
  for (const v of values) {
    const o = v as Record<string, unknown> | null;
    const items: unknown[] = o && o.kind === 'List' && Array.isArray(o.items) ? o.items : [v];
    for (const item of items) {
      if (isRun(item)) docs.push(item);
      const u = unnamedRun(item);
      if (u) unnamed.push(u);
    }
  }
  return { path, format, docs, unnamed };
}

/** Merge annotations into the named run inside `file` and write it back atomically, in its format. */
export function writeRunAnnotations(
  path: string,
  kind: string,
  namespace: string,
  name: string,
  annotations: Record<string, string | null>,
): void {
  const text = readFileSync(path, 'utf8');
  const json = text.trimStart().startsWith('{');
  const values: unknown[] = json
    ? [JSON.parse(text)]
    : parseAllDocuments(text).map((d) => d.toJS() as unknown);
  let found = false;
  const visit = (v: unknown) => {
    if (
      !isRun(v) ||
      v.kind !== kind ||
      v.metadata.name !== name ||
      (v.metadata.namespace ?? 'default') !== namespace
    )
      return;
    const a = { ...(v.metadata.annotations ?? {}) };
    for (const [k, val] of Object.entries(annotations)) {
      if (val === null) delete a[k];
      else a[k] = val;
    }
    v.metadata.annotations = a;
    found = true;
  };
  for (const v of values) {
    const o = v as Record<string, unknown> | null;
    if (o && o.kind === 'List' && Array.isArray(o.items)) o.items.forEach(visit);
    else visit(v);
  }
  if (!found)
    throw new ControllerError(
      'LOCAL_RUN_FILE',
      `${path}: ${kind} ${namespace}/${name} is no longer in the file`,
    );
  const out = json
    ? `${JSON.stringify(values[0], null, 4)}\n`
    : values.map((v) => stringify(v)).join('---\n');
  const tmp = `${path}.chains-tmp`;
  writeFileSync(tmp, out);
  renameSync(tmp, path);
}
