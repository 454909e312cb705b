import { parseDigest } from '../core/digest.ts';
import { goMarshal } from '../core/json.ts';
import type { SignedRecord } from '../core/signed.ts';
import type { Signer } from './signer.ts';

/** `critical.type` of cosign image signatures (sigstore pkg/signature/payload). */
export const SIMPLESIGNING_TYPE = 'cosign container image signature';

/**
 * The simple-signing payload cosign signs for an image, byte for byte: Go json.Marshal (fixed field order,
 * HTML escaping, no newline), `optional` null without annotations, else an object with sorted keys.
 * https://github.com/sigstore/cosign/blob/main/specs/SIGNATURE_SPEC.md.
 */
export function simpleSigningPayload(
  dockerReference: string,
  manifestDigest: string,
  annotations?: Record<string, string>,
): Buffer {
  parseDigest(manifestDigest);
  let optional: Record<string, string> | null = null;
  if (annotations && Object.keys(annotations).length > 0) {
    optional = {};
    for (const k of Object.keys(annotations).sort()) optional[k] = annotations[k] ?? '';
  }
  const doc = {
    critical: {
      identity: { 'docker-reference': dockerReference },
      image: { 'docker-manifest-digest': manifestDigest },
      type: SIMPLESIGNING_TYPE,
    },
    optional,
  };
  return Buffer.from(goMarshal(doc), 'utf8');
}

/**
 * Sign arbitrary bytes; `record.bytes` is the payload and `signature` the base64 signature over it. `logged`
 * (default) signs as cosign does for the log (Ed25519ph); false signs a blob cosign would not log (pure
 * Ed25519: cosign sign-blob without a log).
 */
export async function signRaw(signer: Signer, payload: Uint8Array, logged = true): Promise<SignedRecord> {
  const sig = await (logged ? signer.sign(payload) : signer.signMessage(payload));
  return {
    kind: 'raw',
    bytes: Buffer.from(payload),
    signature: sig.toString('base64'),
    identity: signer.identity,
    digestAlgorithm: signer.digestAlgorithm,
  };
}

/** Image signature: simple-signing payload + raw signature over it (not DSSE-wrapped; https://tekton.dev/docs/chains/signing/). */
export async function signSimpleSigning(
  signer: Signer,
  dockerReference: string,
  manifestDigest: string,
  annotations?: Record<string, string>,
): Promise<SignedRecord> {
  const payload = simpleSigningPayload(dockerReference, manifestDigest, annotations);
  const signature = (await signer.sign(payload)).toString('base64');
  return {
    kind: 'simplesigning',
    bytes: payload,
    signature,
    identity: signer.identity,
    digestAlgorithm: signer.digestAlgorithm,
  };
}
