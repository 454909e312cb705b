import {
  X509Certificate,
  constants,
  createHash,
  createPublicKey,
  publicDecrypt,
  verify as nodeVerify,
} from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { decodePemAll, encodePem } from '../../core/encoding.ts';
import { verifyEcdsaDigest } from './ecdsa.ts';
import { verifyEd25519ph } from './ed25519ph.ts';
import { EntryError } from './errors.ts';

/** A signer's key or certificate as Rekor's x509 PublicKey type sees it (pkg/pki/x509). */
export interface Verifier {
  key: KeyObject;
  /** Canonical PEM (Go pem.Encode of PKIX DER, or of the certificate(s)). */
  canonicalPem: string;
  /** Subject alternative names (emails, URIs, DNS names) of a certificate, for the search index. */
  subjects: string[];
  /** Cached lowercase hex SHA-256 of canonicalPem. */
  hash?: string;
  /** Cached EC public point (a JWK export per entry cost ~30 µs). */
  point?: { crv: string; x: bigint; y: bigint } | null;
  /** Cached raw 32-byte Ed25519 public key. */
  raw?: Buffer;
}

function ecPoint(v: Verifier): { crv: string; x: bigint; y: bigint } | null {
  if (v.point !== undefined) return v.point;
  const jwk = v.key.export({ format: 'jwk' });
  const big = (b64: string) => BigInt(`0x${Buffer.from(b64, 'base64url').toString('hex')}`);
  v.point = jwk.x && jwk.y && jwk.crv ? { crv: jwk.crv, x: big(jwk.x), y: big(jwk.y) } : null;
  return v.point;
}

const cache = new Map<string, Verifier>();

function sansOf(cert: X509Certificate): string[] {
  const out: string[] = [];
  for (const part of (cert.subjectAltName ?? '').split(', ')) {
    const m = /^(?:email|URI|DNS):(.+)$/.exec(part);
    if (m?.[1]) out.push(m[1]);
  }
  return out;
}

/** Parse a PEM public key or certificate (bytes decoded from the entry's base64), caching by text. */
export function parseVerifier(pemBytes: Buffer, what: string): Verifier {
  const text = pemBytes.toString('utf8');
  const hit = cache.get(text);
  if (hit) return hit;
  let blocks;
  try {
    blocks = decodePemAll(text);
  } catch (e) {
    throw new EntryError(`${what}: invalid PEM`, e);
  }
  const first = blocks[0];
  if (!first) throw new EntryError(`${what}: no PEM block found`);
  let v: Verifier;
  try {
    if (first.type === 'PUBLIC KEY') {
      const key = createPublicKey({ key: first.bytes, format: 'der', type: 'spki' });
      v = {
        key,
        canonicalPem: encodePem('PUBLIC KEY', key.export({ type: 'spki', format: 'der' })),
        subjects: [],
      };
    } else if (first.type === 'CERTIFICATE') {
      const certs = blocks.filter((b) => b.type === 'CERTIFICATE');
      const leaf = new X509Certificate(first.bytes);
      v = {
        key: leaf.publicKey,
        canonicalPem: certs.map((c) => encodePem('CERTIFICATE', c.bytes)).join(''),
        subjects: sansOf(leaf),
      };
    } else throw new EntryError(`${what}: unsupported PEM type "${first.type}"`);
  } catch (e) {
    if (e instanceof EntryError) throw e;
    throw new EntryError(`${what}: cannot parse key: ${(e as Error).message}`, e);
  }
  if (cache.size > 10_000) cache.clear();
  cache.set(text, v);
  return v;
}

/** Lowercase hex SHA-256 of the canonical PEM: Rekor's public-key search key. */
export function keyHash(v: Verifier): string {
  v.hash ??= createHash('sha256').update(v.canonicalPem).digest('hex');
  return v.hash;
}

/** Verify a signature over a message (DSSE PAE): ECDSA with SHA-256, RSA PKCS#1 v1.5, Ed25519. */
export function verifyMessage(v: Verifier, message: Buffer, sig: Buffer): boolean {
  try {
    const alg = v.key.asymmetricKeyType === 'ed25519' ? null : 'sha256';
    return nodeVerify(alg, message, v.key, sig);
  } catch {
    return false;
  }
}

const DIGEST_INFO: Record<string, string> = {
  sha256: '3031300d060960864801650304020105000420',
  sha384: '3041300d060960864801650304020205000430',
  sha512: '3051300d060960864801650304020305000440',
};

/** Verify a signature over a precomputed digest, as hashedrekord requires. */
export function verifyDigest(v: Verifier, algorithm: string, digest: Buffer, sig: Buffer): boolean {
  const type = v.key.asymmetricKeyType;
  if (type === 'ec') {
    const p = ecPoint(v);
    return p ? verifyEcdsaDigest(p.crv, p.x, p.y, digest, sig) : false;
  }
  if (type === 'rsa') {
    try {
      const info = publicDecrypt({ key: v.key, padding: constants.RSA_PKCS1_PADDING }, sig);
      return info.equals(Buffer.concat([Buffer.from(DIGEST_INFO[algorithm] ?? '', 'hex'), digest]));
    } catch {
      return false;
    }
  }
  if (type === 'ed25519') {
    // Rekor verifies Ed25519 hashedrekord signatures as Ed25519ph, over a SHA-512 digest only
    if (algorithm !== 'sha512')
      throw new EntryError(`hashedrekord: Ed25519 keys need a sha512 digest (Ed25519ph), got ${algorithm}`);
    v.raw ??= v.key.export({ format: 'der', type: 'spki' }).subarray(-32);
    return verifyEd25519ph(v.raw, digest, sig);
  }
  throw new EntryError(`hashedrekord: ${type ?? 'unknown'} keys cannot verify a prehashed digest here`);
}
