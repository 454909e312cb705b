import { X509Certificate, hash, verify as nodeVerify } from 'node:crypto';
import { z } from 'zod';
import { decodePem } from '../core/encoding.ts';
import { hashLeaf } from '../core/merkle.ts';
import {
  proposeHashedRekord,
  toBundleTlogEntry,
  verifyLogEntry,
  type RekorClient,
  type TlogEntry,
} from '../tlog/client/index.ts';
import {
  checkChain,
  checkIdentity,
  checkIntegratedTime,
  checkSct,
  requirePolicy,
  type IdentityPolicy,
} from './checks.ts';
import { KeylessError } from './errors.ts';
import type { Signer } from '../signing/index.ts';
import { parseBodyBase64 } from '../tlog/bodies/index.ts';
import type { LogBody } from '../tlog/bodies/index.ts';
import type { TrustMaterial } from './trust.ts';

export const BUNDLE_V03 = 'application/vnd.dev.sigstore.bundle.v0.3+json';

export interface KeylessBlobResult {
  signature: string;
  certificatePem: string;
  logIndex: number;
  /** Sigstore bundle v0.3 (protojson) with the leaf certificate and the log entry with its inclusion proof. */
  bundle: Record<string, unknown>;
}

/** Sign a blob with a certified ephemeral key and record it in the log (hashedrekord with the certificate). */
export async function signBlobKeyless(
  blob: Buffer,
  signer: Signer,
  log: RekorClient,
): Promise<KeylessBlobResult> {
  const id = signer.identity;
  if (id.kind !== 'certificate') throw new KeylessError('KEYLESS_FULCIO', 'the signer has no certificate');
  const signature = (await signer.sign(blob)).toString('base64');
  const entry = await log.createEntry(
    proposeHashedRekord(hash('sha256', blob, 'hex'), signature, id.certificatePem),
  );
  const bundle = {
    mediaType: BUNDLE_V03,
    verificationMaterial: {
      certificate: { rawBytes: decodePem(id.certificatePem).bytes.toString('base64') },
      tlogEntries: [toBundleTlogEntry(entry)],
    },
    messageSignature: {
      messageDigest: { algorithm: 'SHA2_256', digest: hash('sha256', blob, 'base64') },
      signature,
    },
  };
  return { signature, certificatePem: id.certificatePem, logIndex: entry.logIndex, bundle };
}

const tlogEntrySchema = z.object({
  logIndex: z.string().regex(/^\d+$/),
  logId: z.object({ keyId: z.string() }),
  integratedTime: z.string().regex(/^\d+$/),
  inclusionPromise: z.object({ signedEntryTimestamp: z.string() }).optional(),
  inclusionProof: z
    .object({
      logIndex: z.string().regex(/^\d+$/),
      rootHash: z.string(),
      treeSize: z.string().regex(/^\d+$/),
      hashes: z.array(z.string()),
      checkpoint: z.object({ envelope: z.string() }),
    })
    .optional(),
  canonicalizedBody: z.string(),
});
const bundleSchema = z.object({
  mediaType: z.string(),
  verificationMaterial: z.object({
    certificate: z.object({ rawBytes: z.string() }).optional(),
    x509CertificateChain: z.object({ certificates: z.array(z.object({ rawBytes: z.string() })) }).optional(),
    tlogEntries: z.array(tlogEntrySchema).min(1),
  }),
  messageSignature: z
    .object({
      messageDigest: z.object({ algorithm: z.literal('SHA2_256'), digest: z.string() }),
      signature: z.string(),
    })
    .optional(),
  dsseEnvelope: z
    .object({
      payload: z.string(),
      payloadType: z.string(),
      signatures: z.array(z.object({ sig: z.string(), keyid: z.string().optional() })).min(1),
    })
    .optional(),
});
export type ParsedBundle = z.infer<typeof bundleSchema>;
type BundleTlogEntry = z.infer<typeof tlogEntrySchema>;

export function parseBundle(json: string): ParsedBundle {
  try {
    return bundleSchema.parse(JSON.parse(json));
  } catch (e) {
    throw new KeylessError('KEYLESS_BUNDLE', `bundle: ${(e as Error).message.slice(0, 300)}`, { cause: e });
  }
}

export function leafOf(b: ParsedBundle): X509Certificate {
  const vm = b.verificationMaterial;
  const raw = vm.certificate?.rawBytes ?? vm.x509CertificateChain?.certificates[0]?.rawBytes;
  if (!raw) throw new KeylessError('KEYLESS_BUNDLE', 'bundle carries no certificate');
  try {
    return new X509Certificate(Buffer.from(raw, 'base64'));
  } catch (e) {
    throw new KeylessError('KEYLESS_BUNDLE', 'bundle certificate does not parse', { cause: e });
  }
}

/** The bundle's entry in the Rekor v1 shape, to verify its SET and inclusion proof with the log client. */
function asTlogEntry(e: BundleTlogEntry): TlogEntry {
  const hex = (s: string): string => Buffer.from(s, 'base64').toString('hex');
  const p = e.inclusionProof;
  return {
    uuid: hashLeaf(Buffer.from(e.canonicalizedBody, 'base64')).toString('hex'),
    body: e.canonicalizedBody,
    integratedTime: Number(e.integratedTime),
    logID: hex(e.logId.keyId),
    logIndex: Number(e.logIndex),
    verification: {
      ...(e.inclusionPromise ? { signedEntryTimestamp: e.inclusionPromise.signedEntryTimestamp } : {}),
      ...(p
        ? {
            inclusionProof: {
              logIndex: Number(p.logIndex),
              rootHash: hex(p.rootHash),
              treeSize: Number(p.treeSize),
              hashes: p.hashes.map(hex),
              checkpoint: p.checkpoint.envelope,
            },
          }
        : {}),
    },
  };
}

/** Check 3: a log of the trusted root signed the entry, and the entry is this signature by this certificate. */
export function checkTlog(
  b: ParsedBundle,
  leaf: X509Certificate,
  trust: TrustMaterial,
  recordsThis: (body: LogBody) => boolean,
): number {
  const e = b.verificationMaterial.tlogEntries[0] as BundleTlogEntry;
  const entry = asTlogEntry(e);
  const log = trust.tlogs.find((l) => l.logIdHex === entry.logID);
  const fail = (why: string, cause?: unknown): never => {
    throw new KeylessError('KEYLESS_TLOG', `transparency log entry check failed: ${why}`, { cause });
  };
  if (!log) return fail(`no log of the trusted root has log ID ${entry.logID}`);
  try {
    verifyLogEntry(entry, log.key, { requireProof: false });
  } catch (err) {
    fail((err as Error).message, err);
  }
  let body: LogBody;
  try {
    body = parseBodyBase64(e.canonicalizedBody);
  } catch (err) {
    return fail((err as Error).message, err);
  }
  if (!recordsThis(body)) fail('the entry records another signature, digest or certificate');
  checkIntegratedTime(leaf, entry.integratedTime);
  return entry.integratedTime;
}

/** A verifier PEM from a log body names exactly this certificate. */
export function isCertificate(verifierPem: string, leaf: X509Certificate): boolean {
  try {
    return decodePem(verifierPem).bytes.equals(leaf.raw);
  } catch {
    return false;
  }
}

/** The hashedrekord body records this message signature by this certificate. */
function recordsMessage(ms: MessageSignature, leaf: X509Certificate): (body: LogBody) => boolean {
  return (body) => {
    if (body.kind !== 'hashedrekord') return false;
    const digest = Buffer.from(ms.messageDigest.digest, 'base64').toString('hex');
    return (
      body.facts.payloadHash?.value === digest &&
      body.facts.signatures.some((s) => s.signature === ms.signature && isCertificate(s.verifier, leaf))
    );
  };
}

type MessageSignature = NonNullable<ParsedBundle['messageSignature']>;

/** Check 4: the signature over the blob (and the bundle's digest is the blob's). */
function checkSignature(ms: MessageSignature, leaf: X509Certificate, blob: Buffer): void {
  const digest = hash('sha256', blob, 'base64');
  const sig = Buffer.from(ms.signature, 'base64');
  if (digest !== ms.messageDigest.digest || !nodeVerify('sha256', blob, leaf.publicKey, sig))
    throw new KeylessError('KEYLESS_SIGNATURE', 'invalid signature when validating the blob');
}

export interface KeylessVerifyOptions {
  policy: IdentityPolicy;
  trust: TrustMaterial;
  /** cosign --insecure-ignore-sct */
  ignoreSct?: boolean;
}

export interface KeylessVerified {
  certificate: X509Certificate;
  integratedTime: number;
}

/** verify-blob --bundle without a key: the five checks in cosign's order, each failing with its own code. */
export function verifyBlobBundle(blob: Buffer, bundleJson: string, o: KeylessVerifyOptions): KeylessVerified {
  requirePolicy(o.policy);
  const b = parseBundle(bundleJson);
  const ms = b.messageSignature;
  if (!ms)
    throw new KeylessError('KEYLESS_BUNDLE', 'bundle has no messageSignature (a DSSE bundle: verify-dsse)');
  const leaf = leafOf(b);
  const issuer = checkChain(leaf, o.trust);
  if (!o.ignoreSct) checkSct(leaf, issuer, o.trust);
  const integratedTime = checkTlog(b, leaf, o.trust, recordsMessage(ms, leaf));
  checkSignature(ms, leaf, blob);
  checkIdentity(leaf, o.policy);
  return { certificate: leaf, integratedTime };
}
