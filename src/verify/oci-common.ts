import { z } from 'zod';
import { fromBase64 } from '../core/encoding.ts';
import { ChainsError } from '../core/errors.ts';
import type { RekorBundle } from '../core/signed.ts';
import { parseReference, repositoryName } from '../registry/reference.ts';
import type { RegistryClient } from '../registry/client.ts';
import type { ImageTarget } from '../storage/backend.ts';
import { OciVerifyError } from './oci-errors.ts';

const rekorBundleSchema = z.object({
  SignedEntryTimestamp: z.string(),
  Payload: z.object({
    body: z.string(),
    integratedTime: z.number(),
    logIndex: z.number(),
    logID: z.string(),
  }),
});

/** The `dev.sigstore.cosign/bundle` annotation, if present; malformed JSON is a failed check (coded). */
export function parseBundleAnnotation(text: string | undefined): RekorBundle | undefined {
  if (text === undefined) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new OciVerifyError('TLOG_CHECK_FAILED', 'dev.sigstore.cosign/bundle annotation is not valid JSON', {
      cause: e,
    });
  }
  const r = rekorBundleSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new OciVerifyError(
      'TLOG_CHECK_FAILED',
      `dev.sigstore.cosign/bundle annotation: invalid field ${i?.path.join('.') || '<root>'}: ${i?.message}`,
    );
  }
  return r.data;
}

const tlogEntrySchema = z.object({
  logIndex: z.string(),
  logId: z.object({ keyId: z.string() }),
  integratedTime: z.string(),
  inclusionPromise: z.object({ signedEntryTimestamp: z.string() }).optional(),
  canonicalizedBody: z.string(),
});

/** A v0.3 bundle's first tlog entry with a promise, as the v1 RekorBundle the tlog hook takes. */
export function rekorBundleFromTlogEntries(entries: unknown): RekorBundle | undefined {
  const parsed = z.array(tlogEntrySchema).safeParse(entries ?? []);
  const e = parsed.success ? parsed.data.find((x) => x.inclusionPromise) : undefined;
  if (!e?.inclusionPromise) return undefined;
  return {
    SignedEntryTimestamp: e.inclusionPromise.signedEntryTimestamp,
    Payload: {
      body: e.canonicalizedBody,
      integratedTime: Number(e.integratedTime),
      logIndex: Number(e.logIndex),
      logID: fromBase64(e.logId.keyId, 'logId.keyId').toString('hex'),
    },
  };
}

/** Resolve `ref` to the image target (fetching the manifest proves the image exists: NOT_FOUND otherwise). */
export async function resolveImage(client: RegistryClient, ref: string): Promise<ImageTarget> {
  const r = parseReference(ref);
  const m = await client.resolve(r);
  return { repository: repositoryName(r), digest: m.digest };
}

/** One rejected layer/bundle, with the reason cosign would print and the failed check's code. */
export interface Rejection {
  source: string;
  reason: string;
  code?: string;
}

export function rejectionOf(source: string, e: unknown): Rejection {
  return { source, reason: reasonOf(e), ...(e instanceof ChainsError ? { code: e.code } : {}) };
}

export function reasonOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
