import 'reflect-metadata';
import { createPublicKey } from 'node:crypto';
import { Pkcs10CertificateRequest } from '@peculiar/x509';
import { decodePemAll } from '../core/encoding.ts';
import { CaError } from './errors.ts';
import { classifyKey } from './pubkey.ts';
import type { Hash, RequestKey } from './pubkey.ts';

const INVALID = 'The certificate signing request could not be parsed';

/** The digest of a CSR's signature algorithm as @peculiar/x509 names it; undefined: not one Fulcio allows. */
function hashOf(alg: { name: string; hash?: { name: string } }): Hash | undefined {
  if (alg.name === 'Ed25519') return null;
  if (alg.name !== 'ECDSA' && alg.name !== 'RSASSA-PKCS1-v1_5') return undefined;
  const h = alg.hash?.name;
  return h === 'SHA-256' ? 'sha256' : h === 'SHA-384' ? 'sha384' : h === 'SHA-512' ? 'sha512' : undefined;
}

export interface ParsedCsr {
  key: RequestKey;
  hash: Hash;
}

function parseDer(pem: Buffer): Pkcs10CertificateRequest {
  let blocks;
  try {
    blocks = decodePemAll(pem.toString('latin1'));
  } catch (e) {
    throw new CaError('CA_CSR_INVALID', INVALID, { cause: e });
  }
  const b = blocks[0];
  if (!b || (b.type !== 'CERTIFICATE REQUEST' && b.type !== 'NEW CERTIFICATE REQUEST'))
    throw new CaError('CA_CSR_INVALID', INVALID);
  try {
    return new Pkcs10CertificateRequest(b.bytes);
  } catch (e) {
    throw new CaError('CA_CSR_INVALID', INVALID, { cause: e });
  }
}

/**
 * A PEM CSR (Fulcio cryptoutils.ParseCSR): only its key is used; its self-signature is the proof of possession
 * (Go CheckSignature). Returns the key and the digest of the signature, for the allowed-pair check.
 */
export async function parseCsr(pem: Buffer): Promise<ParsedCsr> {
  const csr = parseDer(pem);
  let key;
  try {
    key = createPublicKey({ key: Buffer.from(csr.publicKey.rawData), format: 'der', type: 'spki' });
  } catch (e) {
    throw new CaError('CA_CSR_INVALID', INVALID, { cause: e });
  }
  const k = classifyKey(key);
  const alg = csr.signatureAlgorithm as { name: string; hash?: { name: string } };
  let ok = false;
  try {
    ok = await csr.verify();
  } catch {
    ok = false;
  }
  if (!ok) throw new CaError('CA_SIGNATURE', 'The signature supplied in the request could not be verified');
  const hash = hashOf(alg);
  if (hash === undefined)
    throw new CaError(
      'CA_ALGORITHM_NOT_PERMITTED',
      `signing algorithm not permitted: ${alg.name}, ${alg.hash?.name ?? ''}`,
    );
  return { key: k, hash };
}
