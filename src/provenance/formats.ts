import type { RunObject } from '../model/index.ts';
import { ProvenanceError } from './errors.ts';
import { FORMAT_IDS, type FormatId } from './format-ids.ts';
import type { ResolvedOptions } from './options.ts';
import type { Statement } from './serialize.ts';
import { SLSA_V02, STATEMENT_V01, slsaV1Statement } from './slsa-v1/index.ts';
import { SLSA_V1, STATEMENT_V1, slsaV2alpha3Statement, slsaV2alpha4Statement } from './slsa-v2/index.ts';

export { FORMAT_IDS, type FormatId } from './format-ids.ts';

/** A frozen, versioned formatter: same run and options → same statement, forever. */
export interface Formatter {
  readonly id: FormatId;
  /** Upstream behaviour this formatter reproduces. */
  readonly frozenAt: string;
  readonly statementType: string;
  readonly predicateType: string;
  create(run: RunObject, options: ResolvedOptions): Statement;
}

const UPSTREAM = 'tektoncd/chains@e44b60fe6';

const slsaV1: Formatter = {
  id: 'slsa/v1',
  frozenAt: UPSTREAM,
  statementType: STATEMENT_V01,
  predicateType: SLSA_V02,
  create: slsaV1Statement,
};

/** Explicit registry: every id maps to one formatter; `in-toto` is an alias of `slsa/v1`. */
export const formatters: Readonly<Record<FormatId, Formatter>> = Object.freeze({
  'in-toto': Object.freeze({ ...slsaV1, id: 'in-toto' as const }),
  'slsa/v1': Object.freeze(slsaV1),
  'slsa/v2alpha3': Object.freeze<Formatter>({
    id: 'slsa/v2alpha3',
    frozenAt: UPSTREAM,
    statementType: STATEMENT_V1,
    predicateType: SLSA_V1,
    create: slsaV2alpha3Statement,
  }),
  'slsa/v2alpha4': Object.freeze<Formatter>({
    id: 'slsa/v2alpha4',
    frozenAt: UPSTREAM,
    statementType: STATEMENT_V1,
    predicateType: SLSA_V1,
    create: slsaV2alpha4Statement,
  }),
});

export function isFormatId(id: string): id is FormatId {
  return (FORMAT_IDS as readonly string[]).includes(id);
}

/** Look up a formatter by Chains id; UNKNOWN_FORMAT names the valid ones. */
export function getFormatter(id: string): Formatter {
  const f = isFormatId(id) ? formatters[id] : undefined; // explicit map, no prototype lookups
  if (!f) {
    throw new ProvenanceError(
      'UNKNOWN_FORMAT',
      `unknown provenance format "${id}" (expected one of ${FORMAT_IDS.join(', ')})`,
    );
  }
  return f;
}
