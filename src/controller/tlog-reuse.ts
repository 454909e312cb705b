import { createPublicKey, hash } from 'node:crypto';
import { INTOTO_PAYLOAD_TYPE, preAuthEncoding } from '../core/dsse.ts';
import { sha256Hex } from '../core/hash.ts';
import type { SignedRecord } from '../core/signed.ts';
import { verifySignature } from '../keys/index.ts';
import { signInToto, signRaw, type Signer, type SignerName } from '../signing/index.ts';
import { parseBody } from '../tlog/bodies/index.ts';
import type { LogBody } from '../tlog/bodies/index.ts';
import type { SignableItem } from './payloads.ts';
import * as A from './annotations.ts';
import type { LoggedEntry, RunDoc, SignerSource, TransparencyUploader, UploadedEntry } from './ports.ts';

/**
 * Can an earlier controller instance have uploaded this run's payloads? Yes when an attempt left its marks
 * (`retries`, `failure-reason`) or the run completed before this instance started (it may have stopped between
 * upload and mark). Runs completing later were never seen by another instance: no log search on the hot path.
 */
export function mayBeLogged(doc: RunDoc, startedAtMs: number): boolean {
  const a = doc.metadata.annotations ?? {};
  if (a[A.RETRIES] !== undefined || a[A.FAILURE_REASON] !== undefined) return true;
  const done = (doc.status as { completionTime?: unknown } | undefined)?.completionTime;
  const at = typeof done === 'string' ? Date.parse(done) : NaN;
  // completionTime has whole seconds: a run completing in the second this instance started counts as before
  return !(at >= Math.floor(startedAtMs / 1000) * 1000 + 1000);
}

/** Is a body's verifier (PEM of a key or certificate, from the log) this signer's public key? */
function isOurKey(verifierPem: string, signer: Signer): boolean {
  try {
    return createPublicKey(verifierPem).equals(signer.publicKey.key);
  } catch {
    return false;
  }
}

/** The base64 signatures by this signer in a logged body for this item that verify over its payload. */
function ourSignatures(body: LogBody, item: SignableItem, signer: Signer): string[] {
  let signed: Buffer;
  if (item.type === 'oci') {
    const digest = hash(signer.digestAlgorithm, item.payload, 'hex');
    if (body.kind !== 'hashedrekord' || body.facts.payloadHash?.value !== digest) return [];
    signed = item.payload;
  } else {
    if (body.kind !== 'dsse') return [];
    signed = preAuthEncoding(INTOTO_PAYLOAD_TYPE, item.payload);
  }
  return body.facts.signatures
    .filter((x) => isOurKey(x.verifier, signer))
    .map((x) => x.signature)
    .filter((c) => verifySignature(signer.publicKey, signed, Buffer.from(c, 'base64')));
}

/**
 * A retry after a restart (https://github.com/tektoncd/chains/tree/main/pkg/reconciler): when the log already holds this payload signed by this key, rebuild the
 * record around that signature (the same code path as signing, so the bytes are the logged ones) instead of
 * signing again. ECDSA signatures are randomised: a fresh one would be a second log entry for the same payload.
 */
export async function reuseLogged(
  found: readonly LoggedEntry[],
  item: SignableItem,
  signer: Signer,
): Promise<{ record: SignedRecord; entry: UploadedEntry } | undefined> {
  for (const f of found) {
    let body: LogBody;
    try {
      body = parseBody(f.body);
    } catch {
      continue;
    }
    for (const sig of ourSignatures(body, item, signer)) {
      const replay: Signer = {
        identity: signer.identity,
        publicKey: signer.publicKey,
        digestAlgorithm: signer.digestAlgorithm,
        sign: async () => Buffer.from(sig, 'base64'),
        signMessage: async () => Buffer.from(sig, 'base64'),
      };
      const record: SignedRecord =
        item.type === 'oci'
          ? { ...(await signRaw(replay, item.payload)), kind: 'simplesigning' }
          : await signInToto(replay, item.payload);
      // the envelope we would store must be the one the log hashed (same keyid and layout), else sign anew
      if (record.kind === 'dsse' && body.facts.envelopeHash?.value !== sha256Hex(record.bytes)) continue;
      if (record.signature !== sig) continue;
      return { record, entry: f.entry };
    }
  }
  return undefined;
}

/**
 * Ask the log for this item's payload and pick the entry to reuse. A log without the (optional) search index
 * answers 404/501: nothing to reuse, sign as Chains does. A signer that cannot load: undefined too, the signing
 * step reports it. Other failures reject (the caller must not sign then).
 */
export async function lookUpLogged(
  tlog: TransparencyUploader,
  signers: SignerSource,
  signerName: SignerName,
  item: SignableItem,
  payloadSha256: string,
): Promise<{ record: SignedRecord; entry: UploadedEntry } | undefined> {
  if (!tlog.findByPayload) return undefined;
  const signer = await signers.current(signerName).catch(() => undefined);
  if (!signer) return undefined;
  // hashedrekord entries of P-384, P-521 and Ed25519 keys record the key's own digest (cosign's hash choice);
  // Rekor's search API takes sha256, sha512 and sha1 only, so a P-384 image signature cannot be found again
  const alg = item.type === 'oci' ? signer.digestAlgorithm : 'sha256';
  if (alg === 'sha384') return undefined;
  const key = alg === 'sha256' ? payloadSha256 : `${alg}:${hash(alg, item.payload, 'hex')}`;
  let found: LoggedEntry[];
  try {
    found = await tlog.findByPayload(key);
  } catch (e) {
    const status = (e as { status?: unknown }).status;
    if (status === 404 || status === 501) return undefined;
    throw e;
  }
  return reuseLogged(found, item, signer);
}
