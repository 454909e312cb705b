import { ChainsError } from '../../core/errors.ts';

export type TlogErrorCode =
  | 'INVALID_ENTRY_ID'
  | 'TLOG_HTTP'
  | 'TLOG_BAD_RESPONSE'
  | 'TLOG_VERIFY'
  | 'TLOG_NOT_FOUND'
  | 'TLOG_CONSISTENCY'
  | 'TLOG_INPUT';
export class TlogError extends ChainsError<TlogErrorCode> {
  /** HTTP status when the error came from a server answer. */
  status?: number;
}

export interface EntryRef {
  /** Tree ID as 16 hex digits, when the reference was an 80-hex entry ID. */
  treeIdHex?: string;
  /** 64-hex leaf hash. */
  uuid: string;
}

/** Parse a 64-hex UUID or an 80-hex entry ID (tree ID ‖ UUID), https://github.com/sigstore/rekor/blob/main/openapi.yaml. */
export function parseEntryRef(text: string): EntryRef {
  const t = text.toLowerCase();
  if (/^[0-9a-f]{64}$/.test(t)) return { uuid: t };
  if (/^[0-9a-f]{80}$/.test(t)) {
    const treeIdHex = t.slice(0, 16);
    const id = BigInt.asIntN(64, BigInt(`0x${treeIdHex}`));
    if (id === 0n) throw new TlogError('INVALID_ENTRY_ID', `invalid entry ID "${text}": tree ID is zero`);
    return { treeIdHex, uuid: t.slice(16) };
  }
  throw new TlogError('INVALID_ENTRY_ID', `invalid entry ID "${text}": want 64 or 80 hex characters`);
}

/** Entry ID = 16-hex tree ID ‖ UUID. */
export function entryId(treeId: string, uuid: string): string {
  return `${treeIdToHex(treeId)}${uuid}`;
}

export function treeIdToHex(treeId: string): string {
  return BigInt(treeId).toString(16).padStart(16, '0');
}

export function treeIdFromHex(hex: string): string {
  return BigInt(`0x${hex}`).toString(10);
}
