import { CoreError } from './errors.ts';

export type DigestAlgorithm = 'sha256' | 'sha384' | 'sha512' | 'sha1';

export interface Digest {
  algorithm: DigestAlgorithm;
  hex: string;
}

const HEX_LENGTH: Record<DigestAlgorithm, number> = { sha1: 40, sha256: 64, sha384: 96, sha512: 128 };

/** go-digest's anchored encodings (lowercase hex only), plus Chains' sha1 rule. */
const HEX_RE: Record<DigestAlgorithm, RegExp> = {
  sha1: /^[a-f0-9]{40}$/,
  sha256: /^[a-f0-9]{64}$/,
  sha384: /^[a-f0-9]{96}$/,
  sha512: /^[a-f0-9]{128}$/,
};

/**
 * Chains' `ParseDigest` (pkg/artifacts/signable.go; https://tekton.dev/docs/chains/slsa-provenance/): exactly one colon, algorithm trimmed and
 * lower-cased, sha256/sha384/sha512 validated as go-digest does (lowercase hex of the right length), sha1
 * exactly 40 lowercase hex, anything else rejected.
 */
export function parseDigest(text: string): Digest {
  const parts = text.split(':');
  if (parts.length !== 2) {
    throw new CoreError('INVALID_DIGEST', `digest string ${text}, not in the format of <algorithm>:<digest>`);
  }
  const algorithm = (parts[0] ?? '').trim().toLowerCase();
  const hex = (parts[1] ?? '').trim();
  if (!isDigestAlgorithm(algorithm)) {
    throw new CoreError('INVALID_DIGEST', `unsupported digest algorithm: ${text}`);
  }
  if (!HEX_RE[algorithm].test(hex)) {
    throw new CoreError(
      'INVALID_DIGEST',
      `invalid ${algorithm} digest: ${text} (want ${HEX_LENGTH[algorithm]} lowercase hex)`,
    );
  }
  return { algorithm, hex };
}

export function isDigestAlgorithm(s: string): s is DigestAlgorithm {
  return s === 'sha256' || s === 'sha384' || s === 'sha512' || s === 'sha1';
}
