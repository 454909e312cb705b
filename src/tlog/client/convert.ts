import type { RekorBundle } from '../../core/signed.ts';
import { BodyError, peekKindVersion } from '../bodies/index.ts';
import type { TlogEntry } from '../types/wire.ts';

/** cosign's `dev.sigstore.cosign/bundle` annotation value for an entry (https://github.com/sigstore/cosign/blob/main/specs/SIGNATURE_SPEC.md, Go field names). */
export function toCosignBundle(entry: TlogEntry): RekorBundle {
  const set = entry.verification?.signedEntryTimestamp;
  if (!set) throw new Error('entry has no signed entry timestamp');
  return {
    SignedEntryTimestamp: set,
    Payload: {
      body: entry.body,
      integratedTime: entry.integratedTime,
      logIndex: entry.logIndex,
      logID: entry.logID,
    },
  };
}

/** Sigstore bundle `TransparencyLogEntry` JSON (protobuf-specs) for an entry (https://github.com/sigstore/rekor/blob/main/openapi.yaml conversion). */
export function toBundleTlogEntry(entry: TlogEntry): Record<string, unknown> {
  const body = peekKindVersion(Buffer.from(entry.body, 'base64'));
  if (!body) throw new BodyError('TLOG_BODY_INVALID', 'log entry body has no kind and apiVersion');
  const hexToB64 = (h: string): string => Buffer.from(h, 'hex').toString('base64');
  const p = entry.verification?.inclusionProof;
  return {
    logIndex: String(entry.logIndex),
    logId: { keyId: hexToB64(entry.logID) },
    kindVersion: { kind: body.kind, version: body.apiVersion },
    integratedTime: String(entry.integratedTime),
    ...(entry.verification?.signedEntryTimestamp
      ? { inclusionPromise: { signedEntryTimestamp: entry.verification.signedEntryTimestamp } }
      : {}),
    ...(p
      ? {
          inclusionProof: {
            logIndex: String(p.logIndex),
            rootHash: hexToB64(p.rootHash),
            treeSize: String(p.treeSize),
            hashes: p.hashes.map(hexToB64),
            checkpoint: { envelope: p.checkpoint },
          },
        }
      : {}),
    canonicalizedBody: entry.body,
  };
}
