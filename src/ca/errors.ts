import { ChainsError } from '../core/errors.ts';

/** Why the CA refused or failed a request; server/errors.ts maps each to Fulcio's status and message. */
export type CaErrorCode =
  | 'CA_REQUEST_INVALID' // body not JSON, wrong shape, too large, bad base64
  | 'CA_TOKEN' // the identity token was refused (the cause is an OidcError naming the reason)
  | 'CA_PUBLIC_KEY_INVALID' // the public key cannot be parsed
  | 'CA_PUBLIC_KEY_INSECURE' // a key type or size Fulcio refuses
  | 'CA_SIGNATURE' // proof of possession or CSR signature does not verify
  | 'CA_CSR_INVALID' // the CSR cannot be parsed
  | 'CA_ALGORITHM_NOT_PERMITTED' // key and hash are not an allowed pair
  | 'CA_IDENTITY' // the identity cannot be put in a certificate
  | 'CA_CT_FAILED' // the CT log did not give an SCT: no certificate
  | 'CA_BACKEND' // signing failed
  | 'CA_STATE' // the CA directory is missing, partial or unreadable
  | 'CA_PASSWORD'; // the CA keys are encrypted and no (or a wrong) password was given

export class CaError extends ChainsError<CaErrorCode> {}
