import { X509Certificate, createHash, createPublicKey, hash } from 'node:crypto';
import { digestAlgorithmFor } from '../keys/index.ts';
import type { KeyObject } from 'node:crypto';
import type { RekorBundle } from '../core/signed.ts';
import { TlogError, toLogKey, verifyLogEntry, verifySet } from '../tlog/client/index.ts';
import type { LogKeyInput, RekorClient } from '../tlog/client/index.ts';
import type { CheckBundle, TlogSubject } from './tlog-hook.ts';
import { parseBody } from '../tlog/bodies/index.ts';
import type { LogBody } from '../tlog/bodies/index.ts';

export { verifyLogEntry } from '../tlog/client/index.ts';
export { RekorClient } from '../tlog/client/index.ts';
export type { LogKeyInput } from '../tlog/client/index.ts';

/** What the logged entry must say about the thing being verified (cosign's legacy bundle checks, §3.3). */
export interface BundleExpectations {
  /** Exact canonical body bytes. */
  body?: Uint8Array;
  /** DSSE envelope bytes exactly as stored (dsse `envelopeHash`, intoto `content.hash`). */
  envelope?: Uint8Array | string;
  /** Hex sha256 of the signed payload: hashedrekord `data.hash.value`, dsse/intoto `payloadHash`. */
  payloadSha256?: string;
  /** The signed payload of a hashedrekord entry, hashed with the entry's own algorithm (sha256/384/512). */
  payload?: Uint8Array;
  /** Base64 signature that must be the logged one. */
  signature?: string;
  /** Signer public key (or certificate) PEM that must be the logged one. */
  publicKeyPem?: string;
}

export interface VerifiedBundle {
  kind: string;
  apiVersion: string;
  logIndex: number;
  integratedTime: number;
}

function fail(message: string): never {
  throw new TlogError('TLOG_VERIFY', message);
}

const sha256Hex = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');
const DIGESTS = new Set(['sha256', 'sha384', 'sha512']);

function spkiOf(pem: string): Buffer {
  const key: KeyObject = pem.includes('CERTIFICATE')
    ? new X509Certificate(pem).publicKey
    : createPublicKey(pem);
  return key.export({ type: 'spki', format: 'der' });
}

function readBody(bytes: Buffer): LogBody {
  try {
    return parseBody(bytes);
  } catch (e) {
    return fail(`tlog entry body: ${(e as Error).message}`);
  }
}

function checkExpectations(bodyBytes: Buffer, want: BundleExpectations): LogBody {
  const body = readBody(bodyBytes);
  if (want.body && !bodyBytes.equals(Buffer.from(want.body)))
    fail('tlog entry body differs from the expected body');
  const f = body.facts;
  const payload = f.payloadHash?.value;
  if (want.payloadSha256 && payload !== want.payloadSha256.toLowerCase())
    fail(`tlog entry payload hash ${payload} does not match ${want.payloadSha256}`);
  if (want.payload !== undefined) {
    // a hashedrekord digest is the key's own (sha256/384/512); the other kinds hash payloads with sha256
    const alg = f.payloadHash?.algorithm ?? '';
    if (!DIGESTS.has(alg)) fail(`tlog entry digest algorithm ${alg} is not sha256, sha384 or sha512`);
    if (payload !== hash(alg, want.payload, 'hex'))
      fail(`tlog entry payload hash ${payload} does not match the signed payload`);
  }
  if (want.envelope !== undefined && f.envelopeHash?.value !== sha256Hex(want.envelope))
    fail('tlog entry envelope hash does not match the stored envelope');
  // intoto 0.0.1 records no signature, only its key
  if (want.signature && f.signatures.length > 0 && !f.signatures.some((x) => x.signature === want.signature))
    fail('tlog entry does not carry the expected signature');
  if (want.publicKeyPem) {
    const wantKey = spkiOf(want.publicKeyPem);
    if (
      !f.verifiers.some((k) => {
        try {
          return spkiOf(k).equals(wantKey);
        } catch {
          return false;
        }
      })
    )
      fail('tlog entry was not made with the expected public key');
  }
  return body;
}

/**
 * Verify cosign's `dev.sigstore.cosign/bundle` annotation offline: the SET with the log key, then that the
 * logged body is about the expected envelope/payload/signature/key (cosign `VerifyBundle` + body comparison).
 */
export function verifyRekorBundle(
  bundle: RekorBundle,
  logPublicKey: LogKeyInput,
  expected: BundleExpectations = {},
): VerifiedBundle {
  const p = bundle?.Payload;
  if (!p || typeof p.body !== 'string' || typeof bundle.SignedEntryTimestamp !== 'string')
    fail('malformed Rekor bundle');
  verifySet(p, bundle.SignedEntryTimestamp, toLogKey(logPublicKey));
  const body = checkExpectations(Buffer.from(p.body, 'base64'), expected);
  return {
    kind: body.kind,
    apiVersion: body.apiVersion,
    logIndex: p.logIndex,
    integratedTime: p.integratedTime,
  };
}

/** Options for the `chains verify` / `verify-attestation` tlog hook. */
export interface TlogCheckOptions {
  /** The log's public key (SPKI PEM or KeyObject): SETs, checkpoints and logIDs must be by this key. */
  logPublicKey: LogKeyInput;
  /** When given, layers without a bundle annotation are looked up online (cosign `--rekor-url`). */
  client?: RekorClient;
}

function expectationsFor(subject: TlogSubject): BundleExpectations {
  return subject.kind === 'hashedrekord'
    ? {
        payload: subject.bytes,
        signature: subject.signature,
        publicKeyPem: subject.publicKey.pem,
      }
    : { envelope: subject.bytes, publicKeyPem: subject.publicKey.pem };
}

/** Online: find entries about these exact bytes, verify each (SET, proof, checkpoint) and accept the first match. */
async function lookUp(client: RekorClient, key: LogKeyInput, subject: TlogSubject): Promise<void> {
  // a hashedrekord entry records the digest the key signs (cosign: sha384 for P-384, sha512 for P-521, Ed25519ph)
  // (Rekor's search takes no sha384 digest: a P-384 signature is looked up by its public key instead)
  const alg = subject.kind === 'hashedrekord' ? digestAlgorithmFor(subject.publicKey.algorithm) : 'sha256';
  const ids = await client.search(
    alg === 'sha384'
      ? { publicKey: { format: 'x509', content: Buffer.from(subject.publicKey.pem).toString('base64') } }
      : { hash: `${alg}:${hash(alg, subject.bytes, 'hex')}` },
  );
  const want = expectationsFor(subject);
  for (let i = 0; i < ids.length; i += 10) {
    for (const e of await client.retrieve({ entryUUIDs: ids.slice(i, i + 10) })) {
      try {
        const v = verifyLogEntry(e, key);
        checkExpectations(v.body, want);
        return;
      } catch {
        /* not this one: keep looking */
      }
    }
  }
  fail(`no transparency log entry at ${client.baseUrl} matches this ${subject.kind} signature`);
}

/**
 * The `CheckBundle` hook for src/verify (image.ts / attestation.ts): with a `dev.sigstore.cosign/bundle`
 * annotation, verify its SET offline and that the logged body is about this layer; without one, look the
 * entry up online when a client is given, else reject (cosign: "bundle is required" without --rekor-url).
 */
export function tlogCheckBundle(o: TlogCheckOptions): CheckBundle {
  const key = toLogKey(o.logPublicKey);
  return async (bundle, subject) => {
    if (bundle) {
      verifyRekorBundle(bundle, key, expectationsFor(subject));
      return;
    }
    if (!o.client) fail('no transparency log bundle on this signature and no log to look it up in');
    await lookUp(o.client, key, subject);
  };
}
