/**
 * Chains format ids for in-toto payloads (pkg/chains/formats/format.go). A leaf module, so the CLI can offer
 * them as choices without loading the formatters; formats.ts maps every id to its formatter.
 */
export const FORMAT_IDS = ['in-toto', 'slsa/v1', 'slsa/v2alpha3', 'slsa/v2alpha4'] as const;
export type FormatId = (typeof FORMAT_IDS)[number];
