import { parseDigest } from '../core/digest.ts';
import { ProvenanceError } from './errors.ts';

export interface HintDigest {
  algorithm: string;
  hex: string;
}

/**
 * Chains' `ParseDigest` for type hints (core's parser), reported as a provenance error.
 * Note: the subject itself keeps the raw text split at ':' (extract.go), this only validates.
 */
export function parseHintDigest(text: string): HintDigest {
  try {
    return parseDigest(text);
  } catch (e) {
    throw new ProvenanceError('INVALID_HINT_DIGEST', (e as Error).message, { cause: e });
  }
}

export function isValidHintDigest(text: string): boolean {
  try {
    parseHintDigest(text);
    return true;
  } catch {
    return false;
  }
}
