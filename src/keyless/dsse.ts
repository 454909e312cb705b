import type { X509Certificate } from 'node:crypto';
import { hash, verify as nodeVerify } from 'node:crypto';
import { decodePem } from '../core/encoding.ts';
import { parseEnvelope, preAuthEncoding } from '../core/dsse.ts';
import { signDsse } from '../signing/index.ts';
import { proposeDsse, toBundleTlogEntry, type RekorClient } from '../tlog/client/index.ts';
import { BUNDLE_V03, checkTlog, isCertificate, leafOf, parseBundle } from './blob.ts';
import type { KeylessVerified, KeylessVerifyOptions } from './blob.ts';
import { checkChain, checkIdentity, checkSct, requirePolicy } from './checks.ts';
import { KeylessError } from './errors.ts';
import type { Signer } from '../signing/index.ts';
import type { LogBody } from '../tlog/bodies/index.ts';

export interface KeylessDsseResult {
  envelope: Buffer;
  logIndex: number;
  /** Sigstore bundle v0.3 with the envelope, the leaf certificate and the dsse log entry. */
  bundle: Record<string, unknown>;
}

/** Sign a payload as DSSE with a certified ephemeral key and record it in the log (dsse with the certificate). */
export async function signDsseKeyless(
  payloadType: string,
  payload: Buffer,
  signer: Signer,
  log: RekorClient,
): Promise<KeylessDsseResult> {
  const id = signer.identity;
  if (id.kind !== 'certificate') throw new KeylessError('KEYLESS_FULCIO', 'the signer has no certificate');
  const rec = await signDsse(signer, payloadType, payload);
  const entry = await log.createEntry(proposeDsse(rec.bytes, id.certificatePem));
  const env = parseEnvelope(rec.bytes.toString('utf8'));
  const bundle = {
    mediaType: BUNDLE_V03,
    verificationMaterial: {
      certificate: { rawBytes: decodePem(id.certificatePem).bytes.toString('base64') },
      tlogEntries: [toBundleTlogEntry(entry)],
    },
    dsseEnvelope: {
      payload: env.payload,
      payloadType: env.payloadType,
      signatures: env.signatures.map((s) => ({ sig: s.sig, ...(s.keyid ? { keyid: s.keyid } : {}) })),
    },
  };
  return { envelope: rec.bytes, logIndex: entry.logIndex, bundle };
}

/** The dsse body records this payload's hash and this signature by this certificate. */
function recordsEnvelope(payload: Buffer, sig: string, leaf: X509Certificate): (body: LogBody) => boolean {
  return (body) =>
    body.kind === 'dsse' &&
    body.facts.payloadHash?.value === hash('sha256', payload, 'hex') &&
    body.facts.signatures.some((s) => s.signature === sig && isCertificate(s.verifier, leaf));
}

/** verify-dsse --bundle without a key: chain, SCT, log entry and its time, signature over the PAE, identity. */
export function verifyDsseBundle(
  bundleJson: string,
  o: KeylessVerifyOptions & { payloadType?: string },
): KeylessVerified & { payload: Buffer } {
  requirePolicy(o.policy);
  const b = parseBundle(bundleJson);
  const env = b.dsseEnvelope;
  if (!env)
    throw new KeylessError('KEYLESS_BUNDLE', 'bundle has no dsseEnvelope (a blob bundle: verify-blob)');
  if (o.payloadType !== undefined && env.payloadType !== o.payloadType)
    throw new KeylessError('KEYLESS_BUNDLE', `payloadType ${env.payloadType} is not ${o.payloadType}`);
  const sig = env.signatures[0]?.sig ?? '';
  const payload = Buffer.from(env.payload, 'base64');
  const leaf = leafOf(b);
  const issuer = checkChain(leaf, o.trust);
  if (!o.ignoreSct) checkSct(leaf, issuer, o.trust);
  const integratedTime = checkTlog(b, leaf, o.trust, recordsEnvelope(payload, sig, leaf));
  const pae = preAuthEncoding(env.payloadType, payload);
  if (!nodeVerify('sha256', pae, leaf.publicKey, Buffer.from(sig, 'base64')))
    throw new KeylessError('KEYLESS_SIGNATURE', 'invalid signature when validating the DSSE envelope');
  checkIdentity(leaf, o.policy);
  return { certificate: leaf, integratedTime, payload };
}
