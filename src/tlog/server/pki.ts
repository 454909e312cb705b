import {
  X509Certificate,
  constants,
  createHash,
  createPublicKey,
  hash,
  publicDecrypt,
  verify as nodeVerify,
} from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { decodePemAll, encodePem } from '../../core/encoding.ts';
import { verifyEcdsaDigest } from './ecdsa.ts';
import { hasNamedCurve, verifyEd25519ph } from '../../keys/index.ts';
import type { PolicyKeyKind } from '../../keys/index.ts';
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
  /** The certificates of a chain (more than one PEM block); the leaf first. */
  chain?: X509Certificate[];
  /** Cached result of checking the chain: '' when it holds, else Go's error text. */
  chainError?: string;
  /** Cached policy kind of the key (RSA size, EC curve, Ed25519); null when no policy names it. */
  kind?: PolicyKeyKind | null;
  /** Cached default message hash of the key (null: Ed25519). */
  messageHash?: string | null;
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

/** Curves Go's x509 parses; anything else is "x509: unsupported elliptic curve" there. */
const GO_CURVES = new Set(['prime256v1', 'secp384r1', 'secp521r1', 'secp224r1']);

/** A parsed public key as Go's x509.ParsePKIXPublicKey would accept it (named NIST curves only). */
function checkedKey(key: KeyObject, spki: Uint8Array, what: string): KeyObject {
  if (key.asymmetricKeyType !== 'ec') return key;
  if (!hasNamedCurve(spki))
    throw new EntryError(`${what}: x509: invalid ECDSA parameters`, undefined, 'TLOG_KEY_INVALID');
  if (!GO_CURVES.has(key.asymmetricKeyDetails?.namedCurve ?? ''))
    throw new EntryError(`${what}: x509: unsupported elliptic curve`, undefined, 'TLOG_KEY_INVALID');
  return key;
}

function certificate(bytes: Buffer, what: string): X509Certificate {
  const cert = new X509Certificate(bytes);
  checkedKey(cert.publicKey, cert.publicKey.export({ type: 'spki', format: 'der' }), what);
  return cert;
}

/**
 * Concatenated PEM certificates, as Rekor's x509.NewPublicKey reads anything after the first block
 * (cryptoutils.UnmarshalCertificatesFromPEMLimited, at most 10): every block must parse as a certificate.
 */
function chainVerifier(text: string, what: string): Verifier {
  const blocks = decodePemAll(text);
  if (blocks.length > 10) throw new EntryError(`${what}: too many certificates specified in PEM block`);
  const certs = blocks.map((b, i) => {
    try {
      return certificate(b.bytes, what);
    } catch (e) {
      if (e instanceof EntryError) throw e;
      throw new EntryError(
        `${what}: error during certificate parsing: block ${i} (${b.type}) is not a certificate ` +
          '(a PUBLIC KEY PEM must be the only block)',
        e,
        'TLOG_KEY_INVALID',
      );
    }
  });
  const leaf = certs[0] as X509Certificate;
  return {
    key: leaf.publicKey,
    canonicalPem: blocks.map((c) => encodePem('CERTIFICATE', c.bytes)).join(''),
    subjects: sansOf(leaf),
    chain: certs,
  };
}

/** The first PEM block and whether anything but whitespace follows it (Go pem.Decode's `rest`). */
function firstBlock(text: string, what: string): { type: string; bytes: Buffer; rest: boolean } {
  const m = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n[\s\S]*?-----END \1-----/.exec(text);
  const block = m ? decodePemAll(m[0])[0] : undefined;
  if (!m || !block)
    throw new EntryError(`${what}: invalid public key: failure decoding PEM`, undefined, 'TLOG_KEY_INVALID');
  return { ...block, rest: text.slice(m.index + m[0].length).trim().length > 0 };
}

/** Rekor's x509.NewPublicKey: one PUBLIC KEY, one CERTIFICATE, or a certificate chain. */
function buildVerifier(text: string, what: string): Verifier {
  const first = firstBlock(text, what);
  if (first.rest) return chainVerifier(text, what);
  if (first.type === 'PUBLIC KEY') {
    const key = checkedKey(
      createPublicKey({ key: first.bytes, format: 'der', type: 'spki' }),
      first.bytes,
      what,
    );
    return {
      key,
      canonicalPem: encodePem('PUBLIC KEY', key.export({ type: 'spki', format: 'der' })),
      subjects: [],
    };
  }
  if (first.type === 'CERTIFICATE') {
    const leaf = certificate(first.bytes, what);
    return {
      key: leaf.publicKey,
      canonicalPem: encodePem('CERTIFICATE', first.bytes),
      subjects: sansOf(leaf),
    };
  }
  throw new EntryError(
    `${what}: invalid public key: cannot handle type ${first.type}`,
    undefined,
    'TLOG_KEY_INVALID',
  );
}

/** Parse a PEM public key or certificate (bytes decoded from the entry's base64), caching by text. */
export function parseVerifier(pemBytes: Buffer, what: string): Verifier {
  const text = pemBytes.toString('utf8');
  const hit = cache.get(text);
  if (hit) return hit;
  let v: Verifier;
  try {
    v = buildVerifier(text.trim(), what);
  } catch (e) {
    if (e instanceof EntryError) throw e;
    throw new EntryError(`${what}: cannot parse key: ${(e as Error).message}`, e, 'TLOG_KEY_INVALID');
  }
  if (cache.size > 10_000) cache.clear();
  cache.set(text, v);
  return v;
}

/**
 * Rekor's verifyCertChain for a multi-certificate verifier (hashedrekord only): the leaf must chain to the
 * last certificate through the ones between (those must be CAs), each valid at the leaf's notBefore.
 */
function checkChain(v: Verifier): void {
  const chain = v.chain;
  if (!chain || chain.length < 2) return;
  v.chainError ??= chainError(chain);
  if (v.chainError)
    throw new EntryError(`verifying signature: ${v.chainError}`, undefined, 'TLOG_CHAIN_INVALID');
}

function chainError(chain: X509Certificate[]): string {
  const at = Date.parse((chain[0] as X509Certificate).validFrom);
  for (let i = 0; i < chain.length; i++) {
    const c = chain[i] as X509Certificate;
    if (at < Date.parse(c.validFrom) || at > Date.parse(c.validTo))
      return 'x509: certificate has expired or is not yet valid';
    const issuer = chain[i + 1];
    if (!issuer) break;
    if (i + 1 < chain.length - 1 && !issuer.ca)
      return 'x509: certificate signed by unknown authority (an intermediate is not a CA)';
    if (!c.checkIssued(issuer) || !c.verify(issuer.publicKey))
      return 'x509: certificate signed by unknown authority';
  }
  return '';
}

/** Lowercase hex SHA-256 of the canonical PEM: Rekor's public-key search key. */
export function keyHash(v: Verifier): string {
  v.hash ??= createHash('sha256').update(v.canonicalPem).digest('hex');
  return v.hash;
}

/**
 * The hash a key signs messages with by default (sigstore GetDefaultPublicKeyDetails): P-384 SHA-384, P-521
 * SHA-512, else SHA-256; null for Ed25519. Cached on the verifier.
 */
function defaultHash(v: Verifier): string | null {
  if (v.messageHash !== undefined) return v.messageHash;
  const curve = v.key.asymmetricKeyDetails?.namedCurve;
  v.messageHash =
    v.key.asymmetricKeyType === 'ed25519'
      ? null
      : curve === 'secp384r1'
        ? 'sha384'
        : curve === 'secp521r1'
          ? 'sha512'
          : 'sha256';
  return v.messageHash;
}

function rawEd25519(v: Verifier): Buffer {
  v.raw ??= v.key.export({ format: 'der', type: 'spki' }).subarray(-32);
  return v.raw;
}

/**
 * Verify a signature over a message (DSSE PAE). Rekor's dsse/intoto types verify ECDSA with SHA-256, RSA
 * PKCS#1 v1.5 SHA-256 and pure Ed25519; cosign signs with the key's own hash (P-384 SHA-384, P-521 SHA-512) and
 * Ed25519ph, so those verify too (docs/tlog.md).
 */
export function verifyMessage(v: Verifier, message: Buffer, sig: Buffer): boolean {
  const alg = defaultHash(v);
  try {
    if (nodeVerify(alg, message, v.key, sig)) return true;
    if (alg === null) return verifyEd25519ph(rawEd25519(v), hash('sha512', message, 'buffer'), sig);
    return alg !== 'sha256' && nodeVerify('sha256', message, v.key, sig);
  } catch {
    return false;
  }
}

const DIGEST_INFO: Record<string, string> = {
  sha256: '3031300d060960864801650304020105000420',
  sha384: '3041300d060960864801650304020205000430',
  sha512: '3051300d060960864801650304020305000440',
};

const GO_HASH: Record<string, string> = { sha256: 'SHA-256', sha384: 'SHA-384', sha512: 'SHA-512' };

/**
 * Verify a signature over a precomputed digest, as hashedrekord requires (rekor x509 Signature.Verify with
 * WithDigest): throws with sigstore's wording when it does not verify.
 */
export function verifyDigest(v: Verifier, algorithm: string, digest: Buffer, sig: Buffer): void {
  checkChain(v);
  const type = v.key.asymmetricKeyType;
  if (type === 'ec') {
    const p = ecPoint(v);
    if (p && verifyEcdsaDigest(p.crv, p.x, p.y, digest, sig)) return;
    throw refused('invalid signature when validating ASN.1 encoded signature');
  }
  if (type === 'rsa') {
    if (rsaDigestMatches(v, algorithm, digest, sig)) return;
    throw refused('crypto/rsa: verification error');
  }
  if (type === 'ed25519') {
    // Rekor verifies Ed25519 hashedrekord signatures as Ed25519ph, over a SHA-512 digest only
    if (algorithm !== 'sha512')
      throw refused(`unsupported hash algorithm: "${GO_HASH[algorithm] ?? algorithm}" not in [SHA-512]`);
    if (verifyEd25519ph(rawEd25519(v), digest, sig)) return;
    throw refused('failed to verify signature: ed25519: invalid signature');
  }
  throw refused('unsupported public key type');
}

function refused(reason: string): EntryError {
  return new EntryError(`verifying signature: ${reason}`, undefined, 'TLOG_SIGNATURE_INVALID');
}

function rsaDigestMatches(v: Verifier, algorithm: string, digest: Buffer, sig: Buffer): boolean {
  try {
    const info = publicDecrypt({ key: v.key, padding: constants.RSA_PKCS1_PADDING }, sig);
    return info.equals(Buffer.concat([Buffer.from(DIGEST_INFO[algorithm] ?? '', 'hex'), digest]));
  } catch {
    return false;
  }
}
