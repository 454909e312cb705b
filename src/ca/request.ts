import { z } from 'zod';
import { CaError } from './errors.ts';

/** A signing request, whichever API version and token location it came in (https://github.com/sigstore/fulcio/blob/main/fulcio.proto). */
export interface SigningRequest {
  token: string;
  key: { kind: 'publicKey'; content: Buffer; proof: Buffer } | { kind: 'csr'; pem: Buffer };
}

// protobuf JSON `bytes`: standard or URL-safe base64, padding optional
const BYTES = /^[A-Za-z0-9+/_-]*={0,2}$/;
const bytesField = z
  .string()
  .max(1 << 22)
  .regex(BYTES, 'must be base64');

/** grpc-gateway accepts lowerCamelCase and the proto's snake_case; unknown fields are dropped. */
function pick(o: Record<string, unknown> | undefined, camel: string, snake: string): unknown {
  return o?.[camel] ?? o?.[snake];
}

const obj = z.record(z.string(), z.unknown());

function bytes(value: unknown, field: string): Buffer {
  if (value === undefined || value === null || value === '') return Buffer.alloc(0);
  const r = bytesField.safeParse(value);
  if (!r.success)
    throw new CaError(
      'CA_REQUEST_INVALID',
      `${field}: invalid value for bytes field: ${r.error.issues[0]?.message ?? ''}`,
    );
  return Buffer.from(r.data.replaceAll('-', '+').replaceAll('_', '/'), 'base64');
}

function object(value: unknown, field: string): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  const r = obj.safeParse(value);
  if (!r.success) throw new CaError('CA_REQUEST_INVALID', `${field}: expected an object`);
  return r.data;
}

function str(value: unknown, field: string): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw new CaError('CA_REQUEST_INVALID', `${field}: expected a string`);
  return value;
}

/** The body as JSON (a coded 400 on anything else). */
export function parseJsonBody(body: Buffer): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(body.length ? body.toString('utf8') : '{}');
  } catch (e) {
    throw new CaError('CA_REQUEST_INVALID', `invalid JSON body: ${(e as Error).message}`, { cause: e });
  }
  const o = object(v, 'body');
  if (!o) throw new CaError('CA_REQUEST_INVALID', 'body: expected an object');
  return o;
}

/** `Authorization: Bearer <jwt>` (exact prefix, as Fulcio's metadata annotator). */
export function bearerToken(header: string | undefined): string {
  return header?.startsWith('Bearer ') ? header.slice(7) : '';
}

/** v2 `CreateSigningCertificateRequest`: token from the body, else the header; CSR wins when non-empty. */
export function parseV2(body: Buffer, authorization: string | undefined): SigningRequest {
  const o = parseJsonBody(body);
  const creds = object(pick(o, 'credentials', 'credentials'), 'credentials');
  const token =
    str(pick(creds, 'oidcIdentityToken', 'oidc_identity_token'), 'oidcIdentityToken') ||
    bearerToken(authorization);
  const csr = bytes(
    pick(o, 'certificateSigningRequest', 'certificate_signing_request'),
    'certificateSigningRequest',
  );
  if (csr.length > 0) return { token, key: { kind: 'csr', pem: csr } };
  const pkr = object(pick(o, 'publicKeyRequest', 'public_key_request'), 'publicKeyRequest');
  const pk = object(pick(pkr, 'publicKey', 'public_key'), 'publicKey');
  const content = Buffer.from(str(pick(pk, 'content', 'content'), 'publicKey.content'), 'utf8');
  const proof = bytes(pick(pkr, 'proofOfPossession', 'proof_of_possession'), 'proofOfPossession');
  return { token, key: { kind: 'publicKey', content, proof } };
}

/** Legacy v1 body (cosign v2): `publicKey.content` and the CSR are base64 bytes; the token only in the header. */
export function parseV1(body: Buffer, authorization: string | undefined): SigningRequest {
  const o = parseJsonBody(body);
  const token = bearerToken(authorization);
  const csr = bytes(
    pick(o, 'certificateSigningRequest', 'certificate_signing_request'),
    'certificateSigningRequest',
  );
  if (csr.length > 0) return { token, key: { kind: 'csr', pem: csr } };
  const pk = object(pick(o, 'publicKey', 'public_key'), 'publicKey');
  if (!pk)
    throw new CaError('CA_PUBLIC_KEY_INVALID', 'The public key supplied in the request could not be parsed');
  const content = bytes(pick(pk, 'content', 'content'), 'publicKey.content');
  const proof = bytes(pick(o, 'signedEmailAddress', 'signed_email_address'), 'signedEmailAddress');
  return { token, key: { kind: 'publicKey', content, proof } };
}
