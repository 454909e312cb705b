import type { RunObject } from '../../model/index.ts';
import type { ResolvedOptions } from '../options.ts';
import { makeStatement } from '../serialize.ts';
import type { Statement } from '../serialize.ts';
import { subjectDigests } from '../subjects.ts';
import { pipelineRunPredicateV02 } from './pipelinerun.ts';
import { taskRunPredicateV02 } from './taskrun.ts';

export const STATEMENT_V01 = 'https://in-toto.io/Statement/v0.1';
export const SLSA_V02 = 'https://slsa.dev/provenance/v0.2';

/** `in-toto` / `slsa/v1`: Statement v0.1 + SLSA v0.2 (formats/slsa/v1). Frozen at Chains e44b60fe. */
export function slsaV1Statement(run: RunObject, o: ResolvedOptions): Statement {
  const subjects = subjectDigests(run, o.children, o.deepInspection);
  const predicate =
    run.kind === 'TaskRun'
      ? taskRunPredicateV02(run, o.builderId)
      : pipelineRunPredicateV02(run, o.children, o.builderId, o.deepInspection);
  return makeStatement(STATEMENT_V01, subjects, SLSA_V02, predicate);
}
