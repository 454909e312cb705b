import { X509Certificate, createHash, createPublicKey, hash } from 'node:crypto';
import { digestAlgorithmFor } from '../keys/index.ts';
import type { KeyObject } from 'node:crypto';
import type { RekorBundle } from '../core/signed.ts';
import { TlogError, toLogKey, verifyLogEntry, verifySet } from '../tlog/client/index.ts';
import type { LogKeyInput, RekorClient } from '../tlog/client/index.ts';
import type { CheckBundle, TlogSubject } from './tlog-hook.ts';

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

interface Body {
  kind?: string;
  apiVersion?: string;
  spec?: Record<string, unknown>;
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

/** Facts of a canonical body per kind: logged payload hash, envelope hash, signatures, signer PEMs. */
function facts(b: Body): {
  payload?: string;
  payloadAlg?: string;
  envelope?: string;
  sigs: string[];
  keys: string[];
} {
  const s = b.spec ?? {};
  const dec = (v: unknown): string => Buffer.from(String(v ?? ''), 'base64').toString('utf8');
  const get = (o: unknown, ...path: string[]): unknown =>
    path.reduce<unknown>(
      (x, k) => (x && typeof x === 'object' ? (x as Record<string, unknown>)[k] : undefined),
      o,
    );
  switch (`${b.kind}/${b.apiVersion}`) {
    case 'hashedrekord/0.0.1':
      return {
        payload: String(get(s, 'data', 'hash', 'value') ?? ''),
        payloadAlg: String(get(s, 'data', 'hash', 'algorithm') ?? ''),
        sigs: [String(get(s, 'signature', 'content') ?? '')],
        keys: [dec(get(s, 'signature', 'publicKey', 'content'))],
      };
    case 'dsse/0.0.1': {
      const sigs = (get(s, 'signatures') as { signature: string; verifier: string }[] | undefined) ?? [];
      return {
        payload: String(get(s, 'payloadHash', 'value') ?? ''),
        envelope: String(get(s, 'envelopeHash', 'value') ?? ''),
        sigs: sigs.map((x) => x.signature),
        keys: sigs.map((x) => dec(x.verifier)),
      };
    }
    case 'intoto/0.0.1':
      return {
        payload: String(get(s, 'content', 'payloadHash', 'value') ?? ''),
        envelope: String(get(s, 'content', 'hash', 'value') ?? ''),
        sigs: [],
        keys: [dec(get(s, 'publicKey'))],
      };
    case 'intoto/0.0.2': {
      const sigs =
        (get(s, 'content', 'envelope', 'signatures') as { sig: string; publicKey: string }[] | undefined) ??
        [];
      return {
        payload: String(get(s, 'content', 'payloadHash', 'value') ?? ''),
        envelope: String(get(s, 'content', 'hash', 'value') ?? ''),
        sigs: sigs.map((x) => dec(x.sig)),
        keys: sigs.map((x) => dec(x.publicKey)),
      };
    }
    default:
      return fail(`unsupported tlog entry kind ${b.kind} ${b.apiVersion}`);
  }
}

function checkExpectations(
  bodyBytes: Buffer,
  want: BundleExpectations,
): VerifiedBundle['kind'] extends string ? Body : never {
  let body: Body;
  try {
    body = JSON.parse(bodyBytes.toString('utf8')) as Body;
  } catch {
    return fail('tlog entry body is not JSON');
  }
  if (want.body && !bodyBytes.equals(Buffer.from(want.body)))
    fail('tlog entry body differs from the expected body');
  const f = facts(body);
  if (want.payloadSha256 && f.payload?.toLowerCase() !== want.payloadSha256.toLowerCase())
    fail(`tlog entry payload hash ${f.payload} does not match ${want.payloadSha256}`);
  if (want.payload !== undefined) {
    const alg = f.payloadAlg ?? '';
    if (!DIGESTS.has(alg)) fail(`tlog entry digest algorithm ${alg} is not sha256, sha384 or sha512`);
    if (f.payload?.toLowerCase() !== hash(alg, want.payload, 'hex'))
      fail(`tlog entry payload hash ${f.payload} does not match the signed payload`);
  }
  if (want.envelope !== undefined && f.envelope?.toLowerCase() !== sha256Hex(want.envelope))
    fail('tlog entry envelope hash does not match the stored envelope');
  if (want.signature && f.sigs.length > 0 && !f.sigs.includes(want.signature))
    fail('tlog entry does not carry the expected signature');
  if (want.publicKeyPem) {
    const wantKey = spkiOf(want.publicKeyPem);
    if (
      !f.keys.some((k) => {
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
    kind: body.kind ?? '',
    apiVersion: body.apiVersion ?? '',
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
