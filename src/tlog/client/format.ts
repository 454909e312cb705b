import { goMarshal } from '../../core/json.ts';
import { goFieldOf, peekBody } from '../bodies/index.ts';
import type { TlogEntry } from '../types/wire.ts';

/** rekor-cli output formats (https://github.com/sigstore/rekor/blob/main/openapi.yaml), as pure functions of verified answers. */

export type OutputFormat = 'default' | 'json';

const rfc3339 = (unix: number): string => new Date(unix * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Go's json.Encoder with SetIndent("", "  "): HTML-safe escapes, trailing newline. */
function goIndent(v: unknown): string {
  return `${JSON.stringify(v, null, 2)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')}\n`;
}

export interface GetOutput {
  Attestation: string;
  AttestationType: string;
  Body: Record<string, unknown>;
  LogIndex: number;
  IntegratedTime: number;
  UUID: string;
  LogID: string;
}

/** rekor-cli's `get` fields; a body of a kind we do not know is shown as it is, one that is no body is a BodyError. */
export function getOutput(e: TlogEntry): GetOutput {
  const body = peekBody(Buffer.from(e.body, 'base64'));
  return {
    Attestation: e.attestation?.data ? Buffer.from(e.attestation.data, 'base64').toString('utf8') : '',
    AttestationType: '',
    Body: { [goFieldOf(body.kind)]: body.spec },
    LogIndex: e.logIndex,
    IntegratedTime: e.integratedTime,
    UUID: e.uuid,
    LogID: e.logID,
  };
}

/** `rekor-cli get` text. */
export function formatGet(e: TlogEntry, format: OutputFormat): string {
  const g = getOutput(e);
  if (format === 'json') return `${goMarshal(g)}\n`;
  let s = `LogID: ${g.LogID}\n`;
  if (g.Attestation) s += `Attestation: ${g.Attestation}\n`;
  s += `Index: ${g.LogIndex}\nIntegratedTime: ${rfc3339(g.IntegratedTime)}\nUUID: ${g.UUID}\n`;
  return `${s}Body: ${goIndent(g.Body)}\n`;
}

/** `rekor-cli upload` text. */
export function formatUpload(
  r: { created: boolean; location: string; logIndex: number },
  server: string,
  format: OutputFormat,
): string {
  const url = `${server.replace(/\/+$/, '')}${r.location}`;
  if (format === 'json')
    return `${goMarshal({ AlreadyExists: !r.created, Location: url, Index: r.logIndex })}\n`;
  return r.created
    ? `Created entry at index ${r.logIndex}, available at: ${url}\n`
    : `Entry already exists; available at: ${url}\n`;
}

export function formatSearch(ids: string[], format: OutputFormat): string {
  if (format === 'json') return `${goMarshal({ UUIDs: ids })}\n`;
  return ids.map((i) => `${i}\n`).join('');
}

export interface LogInfoOutput {
  ActiveTreeSize: number;
  TotalTreeSize: number;
  RootHash: string;
  TreeID: string;
}

export function formatLogInfo(o: LogInfoOutput, format: OutputFormat): string {
  if (format === 'json') return `${goMarshal(o)}\n`;
  return `Verification Successful!
Active Tree Size:       ${o.ActiveTreeSize}
Total Tree Size:        ${o.TotalTreeSize}
Root Hash:              ${o.RootHash}
TreeID:                 ${o.TreeID}
`;
}

/** `rekor-cli verify` text: root, entry hash/index, checkpoint and the proof path. */
export function formatVerify(e: TlogEntry, format: OutputFormat): string {
  const p = e.verification?.inclusionProof;
  if (format === 'json')
    return `${goMarshal({ RootHash: p?.rootHash, EntryUUID: e.uuid, Index: e.logIndex, Size: p?.treeSize, Hashes: p?.hashes ?? [] })}\n`;
  return `Current Root Hash: ${p?.rootHash}
Entry Hash: ${e.uuid}
Entry Index: ${e.logIndex}
Current Tree Size: ${p?.treeSize}
Checkpoint:
${p?.checkpoint ?? ''}
Inclusion Proof:
${(p?.hashes ?? []).map((h) => `  ${h}\n`).join('')}`;
}
