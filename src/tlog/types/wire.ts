import { z } from 'zod';
import { canonicalize } from '../../core/json.ts';

/** Rekor v1 wire types shared by tlog/server, tlog/client and verify (https://github.com/sigstore/rekor/blob/main/openapi.yaml). */

export const inclusionProofSchema = z.object({
  checkpoint: z.string(),
  hashes: z.array(z.string().regex(/^[0-9a-f]{64}$/)),
  logIndex: z.number().int().nonnegative(),
  rootHash: z.string().regex(/^[0-9a-f]{64}$/),
  treeSize: z.number().int().positive(),
});

export const logEntryValueSchema = z.object({
  attestation: z.object({ data: z.string().optional() }).optional(),
  body: z.string(),
  integratedTime: z.number().int(),
  logID: z.string().regex(/^[0-9a-f]{64}$/),
  logIndex: z.number().int().nonnegative(),
  verification: z
    .object({ inclusionProof: inclusionProofSchema.optional(), signedEntryTimestamp: z.string().optional() })
    .optional(),
});
export type LogEntryValue = z.infer<typeof logEntryValueSchema>;

/** A LogEntry is a map with exactly one key: the entry ID (sigstore-js throws otherwise). */
export const logEntrySchema = z
  .record(z.string(), logEntryValueSchema)
  .refine((m) => Object.keys(m).length === 1, 'a log entry must have exactly one entry ID');
export type LogEntry = Record<string, LogEntryValue>;

/** An entry with its ID split out, as our client hands it around. */
export interface TlogEntry extends LogEntryValue {
  uuid: string;
}

export const logInfoSchema = z.object({
  rootHash: z.string().regex(/^[0-9a-f]{64}$/),
  treeSize: z.number().int().nonnegative(),
  signedTreeHead: z.string(),
  treeID: z.string().regex(/^[0-9]+$/),
  inactiveShards: z.array(z.unknown()).optional(),
});
export type LogInfo = z.infer<typeof logInfoSchema>;

export const consistencyProofSchema = z.object({
  rootHash: z.string().regex(/^[0-9a-f]{64}$/),
  hashes: z.array(z.string().regex(/^[0-9a-f]{64}$/)),
});
export type ConsistencyProof = z.infer<typeof consistencyProofSchema>;

export const errorBodySchema = z.object({ code: z.number().int(), message: z.string() });

/** Proposed entries (request bodies of POST /api/v1/log/entries), one per kind in tlog/bodies. */
export type { ProposedEntry } from '../bodies/index.ts';

/** Body of POST /api/v1/index/retrieve. */
export interface SearchIndex {
  hash?: string;
  publicKey?: { format: 'x509' | 'pgp' | 'minisign' | 'ssh' | 'tuf'; content?: string; url?: string };
  email?: string;
  subject?: string;
  operator?: 'and' | 'or';
}

/** The exact SET message: RFC 8785 JCS of body/integratedTime/logID/logIndex (https://github.com/sigstore/rekor/blob/main/openapi.yaml). */
export function setMessage(e: Pick<LogEntryValue, 'body' | 'integratedTime' | 'logID' | 'logIndex'>): Buffer {
  return Buffer.from(
    canonicalize({ body: e.body, integratedTime: e.integratedTime, logID: e.logID, logIndex: e.logIndex }),
    'utf8',
  );
}
