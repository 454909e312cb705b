import { verifySignature, type PublicKeyMaterial } from '../keys/index.ts';
import type { DuplicateCheck } from '../storage/oci/legacy.ts';
import { Annotation } from '../storage/oci/layout.ts';

/**
 * cosign's dupe detector for `cosign sign` (https://github.com/sigstore/cosign/blob/main/pkg/cosign/remote/remote.go):
 * an existing signature layer repeats the new one when it holds the same payload and its signature verifies with
 * this key, so signing an image twice with one key appends nothing.
 */
export function signedByKey(publicKey: PublicKeyMaterial, payload: Uint8Array): DuplicateCheck {
  return (existing, candidate) => {
    const sig = existing.annotations?.[Annotation.signature];
    if (existing.digest !== candidate.digest || !sig) return false;
    return verifySignature(publicKey, payload, Buffer.from(sig, 'base64'));
  };
}
