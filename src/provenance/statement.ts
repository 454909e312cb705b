import { assertChildrenPresent, assertDone } from '../model/index.ts';
import type { RunObject } from '../model/index.ts';
import { getFormatter } from './formats.ts';
import { resolveOptions } from './options.ts';
import type { FormatOptions } from './options.ts';
import { statementBytes } from './serialize.ts';
import type { Statement } from './serialize.ts';

export interface Subject {
  name: string;
  digest: Record<string, string>;
}

/** A statement and the exact bytes to sign and store (produced once; never re-serialise). */
export interface BuiltStatement {
  statement: Statement;
  bytes: Buffer;
  predicateType: string;
  subjects: Subject[];
}

/**
 * Build the in-toto statement for a done run with the formatter registered under `formatId`.
 * Throws RUN_NOT_DONE, MISSING_CHILD (PipelineRun child not supplied), UNKNOWN_FORMAT, INVALID_IMAGE_ID.
 */
export function buildStatement(
  formatId: string,
  run: RunObject,
  options: FormatOptions = {},
): BuiltStatement {
  const formatter = getFormatter(formatId);
  assertDone(run);
  const opts = resolveOptions(options);
  if (run.kind === 'PipelineRun') assertChildrenPresent(run, opts.children);
  const statement = formatter.create(run, opts);
  const subjects = (statement.subject ?? []).map((s) => ({
    name: s.name ?? '',
    digest: { ...(s.digest ?? {}) },
  }));
  return { statement, bytes: statementBytes(statement), predicateType: statement.predicateType, subjects };
}
