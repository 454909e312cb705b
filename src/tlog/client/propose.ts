import { createHash } from 'node:crypto';
import { parseEnvelope } from '../../core/dsse.ts';
import { toBase64 } from '../../core/encoding.ts';
import type {
  ProposedDsse,
  ProposedHashedRekord,
  ProposedIntotoV001,
  ProposedIntotoV002,
} from '../types/wire.ts';

/** Proposed-entry builders (https://github.com/sigstore/rekor/blob/main/openapi.yaml). Keys/certs are PEM text; the wire carries base64(PEM). */

const sha256Hex = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');
const text = (b: Uint8Array | string): string =>
  typeof b === 'string' ? b : Buffer.from(b).toString('utf8');

/** dsse 0.0.1: the envelope exactly as stored elsewhere (envelopeHash = sha256 of these bytes). */
export function proposeDsse(
  envelopeJson: Uint8Array | string,
  publicKeyPem: string | string[],
): ProposedDsse {
  const verifiers = (Array.isArray(publicKeyPem) ? publicKeyPem : [publicKeyPem]).map((p) => toBase64(p));
  return {
    apiVersion: '0.0.1',
    kind: 'dsse',
    spec: { proposedContent: { envelope: text(envelopeJson), verifiers } },
  };
}

/**
 * hashedrekord 0.0.1 over an artifact digest (for a cosign image signature: the simplesigning payload's digest
 * with the key's hash: sha256, sha384 for P-384, sha512 for P-521 and Ed25519ph).
 */
export function proposeHashedRekord(
  hexDigest: string,
  signatureBase64: string,
  publicKeyPem: string,
  algorithm: 'sha256' | 'sha384' | 'sha512' = 'sha256',
): ProposedHashedRekord {
  return {
    apiVersion: '0.0.1',
    kind: 'hashedrekord',
    spec: {
      data: { hash: { algorithm, value: hexDigest.toLowerCase() } },
      signature: { content: signatureBase64, publicKey: { content: toBase64(publicKeyPem) } },
    },
  };
}

/**
 * intoto: 0.0.1 (cosign v2 `attest`: envelope string + key; content.hash = sha256 of those bytes) or
 * 0.0.2 (rekor-cli/sigstore-js: double-base64 payload and signatures, one public key per signature).
 */
export function proposeIntoto(
  envelopeJson: Uint8Array | string,
  publicKeyPem: string,
  version: '0.0.1' | '0.0.2' = '0.0.1',
): ProposedIntotoV001 | ProposedIntotoV002 {
  const envText = text(envelopeJson);
  const hash = { algorithm: 'sha256', value: sha256Hex(envText) };
  if (version === '0.0.1')
    return {
      apiVersion: '0.0.1',
      kind: 'intoto',
      spec: { content: { envelope: envText, hash }, publicKey: toBase64(publicKeyPem) },
    };
  const env = parseEnvelope(envText);
  const payload = Buffer.from(env.payload, 'base64');
  return {
    apiVersion: '0.0.2',
    kind: 'intoto',
    spec: {
      content: {
        envelope: {
          payloadType: env.payloadType,
          payload: toBase64(env.payload),
          signatures: env.signatures.map((s) => ({
            ...(s.keyid ? { keyid: s.keyid } : {}),
            sig: toBase64(s.sig),
            publicKey: toBase64(publicKeyPem),
          })),
        },
        hash,
        payloadHash: { algorithm: 'sha256', value: sha256Hex(payload) },
      },
    },
  };
}
