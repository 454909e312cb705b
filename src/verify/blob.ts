import type { PublicKeyMaterial } from '../keys/index.ts';
import { checkSignature, decodeSignature } from './signature.ts';

/**
 * cosign verify-blob with a key: `signature` (raw bytes, or base64 text) must verify over `blob`.
 * Throws VerificationError otherwise. File contents go through signatureBytes first (cosign's shapes).
 */
export function verifyBlob(
  publicKey: PublicKeyMaterial,
  blob: Uint8Array,
  signature: Uint8Array | string,
): void {
  const sig = typeof signature === 'string' ? decodeSignature(signature) : Buffer.from(signature);
  checkSignature(publicKey, blob, sig);
}
