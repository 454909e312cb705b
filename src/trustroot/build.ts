import { X509Certificate, createHash, createPublicKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { toBase64 } from '../core/encoding.ts';
import { TrustRootError } from './errors.ts';

/**
 * A protobuf-specs TrustedRoot v0.1 in its JSON form (sigstore_trustroot.proto; https://github.com/sigstore/protobuf-specs/blob/main/protos/sigstore_trustroot.proto): the logs' keys
 * with their log IDs, the CA chains, the CT logs, optional TSAs. Field order follows the proto.
 */

export const TRUSTED_ROOT_MEDIA_TYPE = 'application/vnd.dev.sigstore.trustedroot+json;version=0.1';

export interface ValidFor {
  start: string;
  end?: string;
}

export interface TransparencyLogInstance {
  baseUrl: string;
  hashAlgorithm: 'SHA2_256';
  publicKey: { rawBytes: string; keyDetails: string; validFor: ValidFor };
  logId: { keyId: string };
}

export interface CertificateAuthority {
  subject: { organization?: string; commonName?: string };
  uri: string;
  certChain: { certificates: { rawBytes: string }[] };
  validFor: ValidFor;
}

export interface TrustedRootJson {
  mediaType: typeof TRUSTED_ROOT_MEDIA_TYPE;
  tlogs: TransparencyLogInstance[];
  certificateAuthorities: CertificateAuthority[];
  ctlogs: TransparencyLogInstance[];
  timestampAuthorities?: CertificateAuthority[];
}

/** A log (Rekor or CT) as read from its service or directory. */
export interface LogMaterial {
  baseUrl: string;
  /** DER SubjectPublicKeyInfo. */
  publicKeyDer: Buffer;
  validFrom: Date;
}

/** A CA or TSA: its chain without the leaf for a CA (issuing CA first, root last); TSA chains start with the TSA cert. */
export interface AuthorityMaterial {
  uri: string;
  chainDer: Buffer[];
}

export interface TrustMaterialInput {
  tlogs: LogMaterial[];
  cas: AuthorityMaterial[];
  ctlogs: LogMaterial[];
  tsas?: AuthorityMaterial[];
}

/** protobuf-specs PublicKeyDetails for a log key. */
export function keyDetails(key: KeyObject): string {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (key.asymmetricKeyType === 'ec' && curve === 'prime256v1') return 'PKIX_ECDSA_P256_SHA_256';
  if (key.asymmetricKeyType === 'ec' && curve === 'secp384r1') return 'PKIX_ECDSA_P384_SHA_384';
  if (key.asymmetricKeyType === 'ec' && curve === 'secp521r1') return 'PKIX_ECDSA_P521_SHA_512';
  if (key.asymmetricKeyType === 'ed25519') return 'PKIX_ED25519';
  const bits = key.asymmetricKeyDetails?.modulusLength;
  if (key.asymmetricKeyType === 'rsa' && (bits === 2048 || bits === 3072 || bits === 4096))
    return `PKIX_RSA_PKCS1V15_${bits}_SHA256`;
  throw new TrustRootError(
    'TRUSTROOT_INVALID',
    `unsupported log key type ${key.asymmetricKeyType} ${curve ?? bits ?? ''}`,
  );
}

const rfc3339 = (d: Date): string => d.toISOString().replace(/\.000Z$/, 'Z');

function logInstance(l: LogMaterial): TransparencyLogInstance {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: l.publicKeyDer, format: 'der', type: 'spki' });
  } catch (e) {
    throw new TrustRootError('TRUSTROOT_INVALID', `log ${l.baseUrl} has no valid public key`, { cause: e });
  }
  return {
    baseUrl: l.baseUrl,
    hashAlgorithm: 'SHA2_256',
    publicKey: {
      rawBytes: toBase64(l.publicKeyDer),
      keyDetails: keyDetails(key),
      validFor: { start: rfc3339(l.validFrom) },
    },
    // log ID = SHA-256 of the exact DER published in rawBytes (https://github.com/sigstore/cosign/blob/main/KEYLESS.md item 9)
    logId: { keyId: toBase64(createHash('sha256').update(l.publicKeyDer).digest()) },
  };
}

function nameField(subject: string, field: 'O' | 'CN'): string | undefined {
  return subject
    .split('\n')
    .find((l) => l.startsWith(`${field}=`))
    ?.slice(field.length + 1);
}

function authority(a: AuthorityMaterial): CertificateAuthority {
  if (a.chainDer.length === 0)
    throw new TrustRootError('TRUSTROOT_INVALID', `authority ${a.uri} has an empty chain`);
  let certs: X509Certificate[];
  try {
    certs = a.chainDer.map((d) => new X509Certificate(d));
  } catch (e) {
    throw new TrustRootError('TRUSTROOT_INVALID', `authority ${a.uri} has an invalid certificate`, {
      cause: e,
    });
  }
  for (let i = 0; i + 1 < certs.length; i++)
    if (!(certs[i] as X509Certificate).verify((certs[i + 1] as X509Certificate).publicKey))
      throw new TrustRootError(
        'TRUSTROOT_INVALID',
        `authority ${a.uri}: chain[${i}] is not signed by chain[${i + 1}]`,
      );
  const root = certs[certs.length - 1] as X509Certificate;
  const organization = nameField(root.subject, 'O');
  const commonName = nameField(root.subject, 'CN');
  return {
    subject: { ...(organization ? { organization } : {}), ...(commonName ? { commonName } : {}) },
    uri: a.uri,
    certChain: { certificates: a.chainDer.map((d) => ({ rawBytes: toBase64(d) })) },
    // from when every certificate of the chain is valid (sigstore clients require it to cover the signing time)
    validFor: { start: rfc3339(new Date(Math.max(...certs.map((c) => Date.parse(c.validFrom))))) },
  };
}

/** The TrustedRoot JSON object for the given services. */
export function buildTrustedRoot(m: TrustMaterialInput): TrustedRootJson {
  return {
    mediaType: TRUSTED_ROOT_MEDIA_TYPE,
    tlogs: m.tlogs.map(logInstance),
    certificateAuthorities: m.cas.map(authority),
    ctlogs: m.ctlogs.map(logInstance),
    ...(m.tsas && m.tsas.length > 0 ? { timestampAuthorities: m.tsas.map(authority) } : {}),
  };
}
