import { hash } from 'node:crypto';
import { decodePem, fromBase64, fromHex } from '../../core/encoding.ts';
import { sha256 } from '../../core/hash.ts';
import { parseEnvelope } from '../../core/dsse.ts';
import type { RekorBundle, SignedRecord } from '../../core/signed.ts';
import { peekKindVersion } from '../../tlog/bodies/index.ts';
import { OciStorageError } from './errors.ts';

/** Sigstore bundle v0.3 (protobuf-specs, protojson field names). */
export const BUNDLE_V03_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
/** predicate type cosign v3 gives image signatures (https://github.com/sigstore/cosign/blob/main/specs/SIGNATURE_SPEC.md). */
export const COSIGN_SIGN_PREDICATE = 'https://sigstore.dev/cosign/sign/v1';

type TlogEntry = Record<string, unknown>;

/** A Rekor v1 bundle annotation as a v0.3 tlog entry (promise only: the SET; proofs come from the log issue). */
export function tlogEntryFromRekorBundle(b: RekorBundle): TlogEntry {
  const body = peekKindVersion(fromBase64(b.Payload.body, 'Rekor body'));
  return {
    logIndex: String(b.Payload.logIndex),
    logId: { keyId: fromHex(b.Payload.logID, 'logID').toString('base64') },
    kindVersion: { kind: body?.kind ?? '', version: body?.apiVersion ?? '' },
    integratedTime: String(b.Payload.integratedTime),
    inclusionPromise: { signedEntryTimestamp: b.SignedEntryTimestamp },
    canonicalizedBody: b.Payload.body,
  };
}

/** Certificate (DER) or public-key hint: base64 SHA-256 of the PKIX key (Chains' sigstore-bundle mode). */
function verificationMaterial(record: SignedRecord): Record<string, unknown> {
  const id = record.identity;
  const key =
    id.kind === 'certificate'
      ? { certificate: { rawBytes: decodePem(id.certificatePem).bytes.toString('base64') } }
      : { publicKey: { hint: sha256(decodePem(id.publicKeyPem).bytes).toString('base64') } };
  return { ...key, tlogEntries: record.bundle ? [tlogEntryFromRekorBundle(record.bundle)] : [] };
}

/**
 * The bundle for one signed record. DSSE records carry their envelope; an image signature becomes a proper
 * `messageSignature` (digest of the simplesigning payload + the raw signature over it), which is what the
 * matching hashedrekord entry attests. Chains instead stuffs it in a DSSE envelope without PAE (https://tekton.dev/docs/chains/config/).
 */
const PROTO_HASH = { sha256: 'SHA2_256', sha384: 'SHA2_384', sha512: 'SHA2_512' } as const;

export function buildBundle(record: SignedRecord): Buffer {
  const base = { mediaType: BUNDLE_V03_MEDIA_TYPE, verificationMaterial: verificationMaterial(record) };
  if (record.kind === 'dsse') {
    const env = parseEnvelope(record.bytes.toString('utf8'));
    const signatures = env.signatures.map((s) => ({ sig: s.sig, ...(s.keyid ? { keyid: s.keyid } : {}) }));
    return Buffer.from(
      JSON.stringify({
        ...base,
        dsseEnvelope: { payload: env.payload, payloadType: env.payloadType, signatures },
      }),
    );
  }
  if (!record.signature)
    throw new OciStorageError('BAD_RECORD', 'an image signature record needs a signature');
  // the digest the key signs (cosign's hash per key type: SHA2_384 for P-384, SHA2_512 for P-521 and Ed25519ph)
  const alg = record.digestAlgorithm ?? 'sha256';
  const messageSignature = {
    messageDigest: { algorithm: PROTO_HASH[alg], digest: hash(alg, record.bytes, 'base64') },
    signature: record.signature,
  };
  return Buffer.from(JSON.stringify({ ...base, messageSignature }));
}
