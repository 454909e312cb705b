import { ProvenanceError } from './errors.ts';

/** go-digest's anchored encodings (lowercase hex only) plus Chains' sha1 rule (pkg/artifacts/signable.go). */
const HEX: Record<string, RegExp> = {
  sha256: /^[a-f0-9]{64}$/,
  sha384: /^[a-f0-9]{96}$/,
  sha512: /^[a-f0-9]{128}$/,
  sha1: /^[a-f0-9]{40}$/,
};

export interface HintDigest {
  algorithm: string;
  hex: string;
}

/**
 * Chains' `ParseDigest`: exactly one colon, algorithm trimmed and lower-cased, hex trimmed,
 * sha256/384/512 validated as go-digest does, sha1 needs 40 lowercase hex, anything else rejected.
 * Note: the subject itself keeps the raw text split at ':' (extract.go), this only validates.
 */
export function parseHintDigest(text: string): HintDigest {
  const parts = text.split(':');
  if (parts.length !== 2) {
    throw new ProvenanceError(
      'INVALID_HINT_DIGEST',
      `digest string ${text}, not in the format of <algorithm>:<digest>`,
    );
  }
  const algorithm = (parts[0] ?? '').trim().toLowerCase();
  const hex = (parts[1] ?? '').trim();
  const re = HEX[algorithm];
  if (!re) throw new ProvenanceError('INVALID_HINT_DIGEST', `unsupported digest algorithm: ${text}`);
  if (!re.test(hex)) throw new ProvenanceError('INVALID_HINT_DIGEST', `invalid ${algorithm} digest: ${text}`);
  return { algorithm, hex };
}

export function isValidHintDigest(text: string): boolean {
  try {
    parseHintDigest(text);
    return true;
  } catch {
    return false;
  }
}
