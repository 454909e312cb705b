import { existsSync, statSync } from 'node:fs';
import { RekorClient } from '../../tlog/client/index.ts';
import { EphemeralSigner } from '../../signing/index.ts';
import {
  KeylessError,
  checkIssuedCertificate,
  keylessCertificateCheck,
  parseTrustedRoot,
  signBlobKeyless,
  signDsseKeyless,
  verifyBlobBundle,
  verifyDsseBundle,
  type IdentityPolicy,
  type TrustMaterial,
} from '../../keyless/index.ts';
import type { CertificateCheck } from '../../verify/tlog-hook.ts';
import { readInput, readText, say, writeFileAtomic } from '../io.ts';

export { cosignCertificateOptional, keylessFailure } from '../../keyless/index.ts';

/** `--trusted-root F`: sigstore's trusted_root.json. */
export const trustedRootFile = (path: string): TrustMaterial =>
  parseTrustedRoot(readText(path, 'trusted root'));

/** cosign's keyless flags on the signing commands. */
export interface KeylessSignFlags {
  fulcioUrl: string;
  identityToken?: string;
  rekorUrl: string;
  tlogUpload?: boolean;
  /** the issued certificate must chain to this root's CAs and carry an SCT of its CT logs */
  trustedRoot?: string;
}

/**
 * The identity token, as cosign takes it (cmd/cosign/cli/options/fulcio.go, ReadIdentityToken): `--identity-token`
 * is a path when such a file exists, else the token text; without the flag, SIGSTORE_ID_TOKEN.
 */
function identityToken(flag: string | undefined): string {
  const raw = flag ?? process.env.SIGSTORE_ID_TOKEN;
  if (!raw)
    throw new KeylessError(
      'KEYLESS_TOKEN',
      'keyless signing needs an identity token: --identity-token (token or file) or SIGSTORE_ID_TOKEN',
    );
  const text = existsSync(raw) && statSync(raw).isFile() ? readText(raw, 'identity token') : raw;
  const token = text.trim();
  if (token.split('.').length !== 3)
    throw new KeylessError('KEYLESS_TOKEN', 'the identity token is not a compact JWS (three parts)');
  return token;
}

/**
 * The certified one-use signer; the log is mandatory without a key (there is nothing else to check time by).
 * With --trusted-root the certificate is checked before anything is signed or logged (cosign's fulcioverifier).
 */
export async function keylessSigner(o: KeylessSignFlags): Promise<EphemeralSigner> {
  if (o.tlogUpload === false)
    throw new KeylessError(
      'KEYLESS_TLOG_REQUIRED',
      'keyless signing needs the transparency log: --tlog-upload=false is only allowed with --key',
    );
  const token = identityToken(o.identityToken);
  const trust = o.trustedRoot ? trustedRootFile(o.trustedRoot) : undefined;
  const signer = await EphemeralSigner.certify(o.fulcioUrl, token);
  if (trust) {
    checkIssuedCertificate(signer.identity, trust);
    say('Successfully verified SCT...');
  }
  return signer;
}

export interface KeylessBlobFlags extends KeylessSignFlags {
  bundle?: string;
  outputSignature?: string;
  outputCertificate?: string;
}

/** `sign-blob FILE` without --key: certificate from Fulcio, hashedrekord in the log, optional v0.3 bundle. */
export async function runSignBlobKeyless(file: string, o: KeylessBlobFlags): Promise<void> {
  const blob = readInput(file, 'blob');
  const signer = await keylessSigner(o);
  const r = await signBlobKeyless(blob, signer, new RekorClient(o.rekorUrl));
  say(`tlog entry created with index: ${r.logIndex}`);
  if (o.bundle) {
    writeFileAtomic(o.bundle, `${JSON.stringify(r.bundle)}\n`, 0o644);
    say(`Wrote bundle to file ${o.bundle}`);
  }
  if (o.outputCertificate) {
    writeFileAtomic(o.outputCertificate, r.certificatePem, 0o644);
    say(`Wrote certificate to file ${o.outputCertificate}`);
  }
  if (!o.outputSignature) return void process.stdout.write(`${r.signature}\n`);
  writeFileAtomic(o.outputSignature, r.signature, 0o644);
  say(`Wrote signature to file ${o.outputSignature}`);
}

/** cosign's keyless verification flags. */
export interface KeylessVerifyFlags {
  certificateIdentity?: string;
  certificateIdentityRegexp?: string;
  certificateOidcIssuer?: string;
  certificateOidcIssuerRegexp?: string;
  trustedRoot?: string;
  insecureIgnoreSct?: boolean;
}

export function policyOf(o: KeylessVerifyFlags): IdentityPolicy {
  return {
    ...(o.certificateIdentity !== undefined ? { identity: o.certificateIdentity } : {}),
    ...(o.certificateIdentityRegexp !== undefined ? { identityRegexp: o.certificateIdentityRegexp } : {}),
    ...(o.certificateOidcIssuer !== undefined ? { issuer: o.certificateOidcIssuer } : {}),
    ...(o.certificateOidcIssuerRegexp !== undefined ? { issuerRegexp: o.certificateOidcIssuerRegexp } : {}),
  };
}

/**
 * verify / verify-attestation without --key: the certificate check, and the log key the trusted root names
 * (the log's SETs are checked against it, not against a key fetched from the log).
 */
export function keylessVerification(o: KeylessVerifyFlags): {
  certificateCheck: CertificateCheck;
  logKeyPem: string;
} {
  if (!o.trustedRoot)
    throw new KeylessError('KEYLESS_TRUSTED_ROOT', 'keyless verification needs --trusted-root FILE');
  if (o.insecureIgnoreSct) say(IGNORE_SCT_WARNING);
  const trust = trustedRootFile(o.trustedRoot);
  const log = trust.tlogs[0];
  if (!log) throw new KeylessError('KEYLESS_TRUSTED_ROOT', 'the trusted root names no transparency log');
  const certificateCheck = keylessCertificateCheck({
    policy: policyOf(o),
    trust,
    ignoreSct: o.insecureIgnoreSct === true,
  });
  return { certificateCheck, logKeyPem: log.key.export({ type: 'spki', format: 'pem' }).toString() };
}

const IGNORE_SCT_WARNING =
  'WARNING: --insecure-ignore-sct: the certificate is accepted without a CT log proof; this is insecure';

/** `verify-blob FILE --bundle B` without --key: cosign's keyless checks, "Verified OK". */
export function runVerifyBlobKeyless(file: string, o: KeylessVerifyFlags & { bundle?: string }): void {
  if (!o.bundle)
    throw new KeylessError(
      'KEYLESS_BUNDLE',
      'verify-blob needs --key and --signature, or --bundle (keyless)',
    );
  if (!o.trustedRoot)
    throw new KeylessError('KEYLESS_TRUSTED_ROOT', 'keyless verification needs --trusted-root FILE');
  if (o.insecureIgnoreSct) say(IGNORE_SCT_WARNING);
  verifyBlobBundle(readInput(file, 'blob'), readInput(o.bundle, 'bundle').toString('utf8'), {
    policy: policyOf(o),
    trust: trustedRootFile(o.trustedRoot),
    ignoreSct: o.insecureIgnoreSct === true,
  });
  say('Verified OK');
}

export interface KeylessDsseFlags extends KeylessSignFlags {
  payloadType: string;
  output?: string;
  bundle?: string;
}

/** `sign-dsse FILE` without --key: the envelope (stdout or --output) and, with --bundle, the v0.3 bundle. */
export async function runSignDsseKeyless(file: string, o: KeylessDsseFlags): Promise<void> {
  const payload = readInput(file, 'payload');
  const signer = await keylessSigner(o);
  const r = await signDsseKeyless(o.payloadType, payload, signer, new RekorClient(o.rekorUrl));
  say(`tlog entry created with index: ${r.logIndex}`);
  if (o.bundle) {
    writeFileAtomic(o.bundle, `${JSON.stringify(r.bundle)}\n`, 0o644);
    say(`Wrote bundle to file ${o.bundle}`);
  }
  if (!o.output) return void process.stdout.write(`${r.envelope.toString('utf8')}\n`);
  writeFileAtomic(o.output, r.envelope, 0o644);
  say(`Envelope written to ${o.output}`);
}

/** `verify-dsse BUNDLE` without --key: the keyless checks over the bundle's envelope, "Verified OK". */
export function runVerifyDsseKeyless(
  bundle: string,
  o: KeylessVerifyFlags & { payloadType?: string; outputPayload?: string },
): void {
  if (!o.trustedRoot)
    throw new KeylessError('KEYLESS_TRUSTED_ROOT', 'keyless verification needs --trusted-root FILE');
  if (o.insecureIgnoreSct) say(IGNORE_SCT_WARNING);
  const text = readInput(bundle, 'bundle').toString('utf8');
  const r = verifyDsseBundle(text, {
    policy: policyOf(o),
    trust: trustedRootFile(o.trustedRoot),
    ignoreSct: o.insecureIgnoreSct === true,
    ...(o.payloadType ? { payloadType: o.payloadType } : {}),
  });
  if (o.outputPayload) writeFileAtomic(o.outputPayload, r.payload, 0o644);
  say('Verified OK');
}
