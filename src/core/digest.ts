import { CoreError } from './errors.ts';

export type DigestAlgorithm = 'sha256' | 'sha384' | 'sha512' | 'sha1';

export interface Digest {
  algorithm: DigestAlgorithm;
  hex: string;
}

const HEX_LENGTH: Record<DigestAlgorithm, number> = { sha1: 40, sha256: 64, sha384: 96, sha512: 128 };

/**
 * Parse `alg:hex` with Tekton Chains' rules (pkg/artifacts/signable.go, formats/slsa/extract):
 * sha256/sha384/sha512 must have the right length of hex; sha1 exactly 40 lowercase hex; others rejected.
 */
export function parseDigest(text: string): Digest {
  const idx = text.indexOf(':');
  if (idx <= 0) throw new CoreError('INVALID_DIGEST', `invalid digest "${text}": expected <algorithm>:<hex>`);
  const algorithm = text.slice(0, idx);
  const hex = text.slice(idx + 1);
  if (!isDigestAlgorithm(algorithm)) {
    throw new CoreError('INVALID_DIGEST', `invalid digest "${text}": unsupported algorithm "${algorithm}"`);
  }
  const want = HEX_LENGTH[algorithm];
  const pattern = algorithm === 'sha1' ? /^[0-9a-f]+$/ : /^[0-9a-fA-F]+$/;
  if (hex.length !== want || !pattern.test(hex)) {
    throw new CoreError(
      'INVALID_DIGEST',
      `invalid digest "${text}": ${algorithm} needs ${want} hex characters`,
    );
  }
  return { algorithm, hex };
}

export function isDigestAlgorithm(s: string): s is DigestAlgorithm {
  return s === 'sha256' || s === 'sha384' || s === 'sha512' || s === 'sha1';
}

export function formatDigest(d: Digest): string {
  return `${d.algorithm}:${d.hex}`;
}

/** True when `text` parses as a digest under Chains' rules. */
export function isValidDigest(text: string): boolean {
  try {
    parseDigest(text);
    return true;
  } catch {
    return false;
  }
}
