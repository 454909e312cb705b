import { z } from 'zod';
import type { EntryKindId } from './ids.ts';

/** What every entry kind's client-side file declares (one per kind and version, listed in index.ts). */

export interface Digest {
  algorithm: string;
  /** lowercase hex */
  value: string;
}

/** What a canonical body says, the same way for every kind. PEMs and signatures came from the log: hostile. */
export interface BodyFacts {
  /** What was signed: hashedrekord's artifact digest (sha256/384/512), dsse/intoto `payloadHash` (sha256). */
  payloadHash?: Digest;
  /** sha256 of the DSSE envelope bytes as submitted (dsse `envelopeHash`, intoto `content.hash`). */
  envelopeHash?: Digest;
  /** Recorded signatures (base64 of the raw signature bytes), each with the PEM of its key or certificate. */
  signatures: { signature: string; verifier: string }[];
  /** Every key or certificate PEM the body names (intoto 0.0.1 names one and records no signature). */
  verifiers: string[];
  /** The `<algorithm>:<hex>` keys the log indexes the body under for `search --sha` (Rekor's IndexKeys). */
  searchHashes: string[];
}

export interface BodyKind<I extends EntryKindId, S> {
  id: I;
  /** Field name of the kind in rekor-cli's `get` output (Go struct names, e.g. `HashedRekordObj`). */
  goField: string;
  /** The canonical `spec`, as Rekor's pkg/types/<kind>/<version>/*_schema.json plus its Go validate(). */
  spec: z.ZodType<S>;
  facts(spec: S): BodyFacts;
}

/** JSON schema `format: byte`: standard padded base64, as Go's base64.StdEncoding reads it. */
export const base64 = z
  .string()
  .regex(/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/, 'not base64');

const HEX_LENGTH = { sha256: 64, sha384: 96, sha512: 128 } as const;

/** A `{algorithm, value}` hash of one of `algorithms`, value hex of that algorithm's length. */
export function digest<A extends keyof typeof HEX_LENGTH>(...algorithms: [A, ...A[]]) {
  return z
    .object({ algorithm: z.enum(algorithms), value: z.string().regex(/^[0-9a-fA-F]+$/, 'not hex') })
    .refine((h) => h.value.length === HEX_LENGTH[h.algorithm], 'hash value has the wrong length');
}

export const lower = (d: { algorithm: string; value: string }): Digest => ({
  algorithm: d.algorithm,
  value: d.value.toLowerCase(),
});

/** `<algorithm>:<hex>` search keys of the digests given. */
export const hashKeys = (...ds: (Digest | undefined)[]): string[] =>
  ds.flatMap((d) => (d ? [`${d.algorithm}:${d.value}`] : []));

/** A `format: byte` field as text: a PEM (key or certificates), or an intoto 0.0.2 signature (base64 twice). */
export const decodedText = (b64: string): string => Buffer.from(b64, 'base64').toString('utf8');
