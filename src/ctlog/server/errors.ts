import { ChainsError } from '../../core/errors.ts';

/** RFC 9162 §5 error_code strings (RFC 6962 defines none; 9162 gives CT's JSON error shape). */
export type CtWireError =
  | 'bad chain'
  | 'bad certificate'
  | 'unknown anchor'
  | 'not compliant'
  | 'bad request'
  | 'not found'
  | 'too large'
  | 'method not allowed'
  | 'internal error';

export type CtLogErrorCode =
  | 'CT_REQUEST_INVALID'
  | 'CT_BODY_TOO_LARGE'
  | 'CT_CERT_INVALID'
  | 'CT_CHAIN_INVALID'
  | 'CT_CHAIN_UNTRUSTED'
  | 'CT_POISON_MISSING'
  | 'CT_POISON_UNEXPECTED'
  | 'CT_POISON_MALFORMED'
  | 'CT_PRECERT_SIGNER_UNSUPPORTED'
  | 'CT_NOT_FOUND'
  | 'CT_METHOD'
  | 'CT_LOG_KEY'
  | 'CT_STORE';

const WIRE: Record<CtLogErrorCode, [number, CtWireError]> = {
  CT_REQUEST_INVALID: [400, 'bad request'],
  CT_BODY_TOO_LARGE: [413, 'too large'],
  CT_CERT_INVALID: [400, 'bad certificate'],
  CT_CHAIN_INVALID: [400, 'bad chain'],
  CT_CHAIN_UNTRUSTED: [400, 'unknown anchor'],
  CT_POISON_MISSING: [400, 'bad certificate'],
  CT_POISON_UNEXPECTED: [400, 'bad certificate'],
  CT_POISON_MALFORMED: [400, 'bad certificate'],
  CT_PRECERT_SIGNER_UNSUPPORTED: [400, 'not compliant'],
  CT_NOT_FOUND: [404, 'not found'],
  CT_METHOD: [405, 'method not allowed'],
  CT_LOG_KEY: [500, 'internal error'],
  CT_STORE: [500, 'internal error'],
};

export class CtLogError extends ChainsError<CtLogErrorCode> {
  get status(): number {
    return WIRE[this.code][0];
  }
  get wire(): CtWireError {
    return WIRE[this.code][1];
  }
}
