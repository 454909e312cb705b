import type { ServerResponse } from 'node:http';

/** distribution-spec error codes the embedded registry answers with. */
export type SpecErrorCode =
  | 'BLOB_UNKNOWN'
  | 'BLOB_UPLOAD_UNKNOWN'
  | 'BLOB_UPLOAD_INVALID'
  | 'DIGEST_INVALID'
  | 'MANIFEST_BLOB_UNKNOWN'
  | 'MANIFEST_INVALID'
  | 'MANIFEST_UNKNOWN'
  | 'NAME_INVALID'
  | 'NAME_UNKNOWN'
  | 'SIZE_INVALID'
  | 'TAG_INVALID'
  | 'UNSUPPORTED'
  | 'TOOMANYREQUESTS';

/** Thrown inside handlers; turned into a spec error body by the server. */
export class SpecError extends Error {
  readonly status: number;
  readonly code: SpecErrorCode;

  constructor(status: number, code: SpecErrorCode, message: string) {
    // answered to the client, never logged: no stack trace (capturing one was most of a 404's cost)
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
    this.status = status;
    this.code = code;
  }
}

export function sendError(res: ServerResponse, e: SpecError): void {
  const body = JSON.stringify({ errors: [{ code: e.code, message: e.message, detail: null }] });
  res.writeHead(e.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
