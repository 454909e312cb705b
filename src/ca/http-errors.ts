import { ChainsError } from '../core/errors.ts';
import type { CaErrorCode } from './errors.ts';

/** An answer in grpc-gateway's error shape: HTTP status, body {code: gRPC code, message, details}. */
export interface ErrorAnswer {
  status: number;
  body: { code: number; message: string; details: unknown[] };
}

// gRPC codes and grpc-gateway's HTTP mapping (InvalidArgument 3 → 400, ResourceExhausted 8 → 429, Internal 13 →
// 500, Unavailable 14 → 503; runtime.HTTPStatusFromCode)
const INVALID = { status: 400, code: 3 };
const MAP: Record<CaErrorCode, { status: number; code: number }> = {
  CA_REQUEST_INVALID: INVALID,
  CA_TOKEN: INVALID,
  CA_PUBLIC_KEY_INVALID: INVALID,
  CA_PUBLIC_KEY_INSECURE: INVALID,
  CA_SIGNATURE: INVALID,
  CA_CSR_INVALID: INVALID,
  CA_ALGORITHM_NOT_PERMITTED: INVALID,
  CA_IDENTITY: INVALID,
  CA_CT_FAILED: { status: 503, code: 14 },
  CA_BACKEND: { status: 500, code: 13 },
  CA_STATE: { status: 500, code: 13 },
  CA_PASSWORD: { status: 500, code: 13 },
};

/** The reason: for a refused token or a failed CT submission, the OIDC or CT code underneath. */
function reasonOf(e: ChainsError): string {
  const c = e.cause;
  return (e.code === 'CA_TOKEN' || e.code === 'CA_CT_FAILED') && c instanceof ChainsError ? c.code : e.code;
}

/** google.rpc.ErrorInfo carrying the coded reason, so clients need not parse the message. */
function details(e: ChainsError): unknown[] {
  return [
    {
      '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
      reason: reasonOf(e),
      domain: 'chains',
      metadata: { code: e.code },
    },
  ];
}

export function errorAnswer(e: unknown): ErrorAnswer {
  if (e instanceof ChainsError && e.code in MAP) {
    const m = MAP[e.code as CaErrorCode];
    return { status: m.status, body: { code: m.code, message: e.message, details: details(e) } };
  }
  if (e instanceof ChainsError && e.code === 'HTTP_BODY_TOO_LARGE')
    return { status: 413, body: { code: 8, message: e.message, details: details(e) } };
  return { status: 500, body: { code: 13, message: 'error communicating with CA backend', details: [] } };
}
