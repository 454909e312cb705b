import { existsSync, statSync } from 'node:fs';
import { signDsse, signRaw } from '../../signing/index.ts';
import { verifyBlob } from '../../verify/blob.ts';
import { signatureBytes } from '../../verify/signature.ts';
import { uploadToLog } from '../tlog-wiring.ts';
import { verifyDsse } from '../../verify/dsse.ts';
import { readInput, say, writeFileAtomic } from '../io.ts';
import { keySigner, loadVerifyKey } from '../key-args.ts';

/**
 * `--signature` is a file when one exists at that path, else the base64 text itself (cosign verify-blob); a
 * file may hold single-line or line-wrapped base64, or the raw DER signature.
 */
function signatureArg(sig: string): Buffer {
  if (existsSync(sig) && statSync(sig).isFile()) return signatureBytes(readInput(sig, 'signature'));
  return signatureBytes(sig);
}

export interface SignBlobFlags {
  key: string;
  outputSignature?: string;
  tlogUpload: boolean;
  rekorUrl: string;
}

/** `sign-blob FILE --key K`: prints (or writes) the base64 signature. */
export async function runSignBlob(file: string, o: SignBlobFlags): Promise<void> {
  const blob = readInput(file, 'blob');
  // cosign signs Ed25519 blobs as Ed25519ph only when it logs them (sign_blob.go)
  let rec = await signRaw(await keySigner(o.key), blob, o.tlogUpload);
  if (o.tlogUpload) rec = await uploadToLog(rec, { rekorUrl: o.rekorUrl, tlogUpload: true });
  if (!o.outputSignature) return void process.stdout.write(`${rec.signature}\n`);
  writeFileAtomic(o.outputSignature, rec.signature, 0o600);
  say(`Signature wrote in the file ${o.outputSignature}`);
}

/**
 * A certificate given as --key is used for its public key only: say so, rather than let an expired or
 * untrusted certificate pass as if it had been checked (keyless verification checks it: --bundle).
 */
function warnCertificateKey(path: string): void {
  if (path.startsWith('k8s://') || !readInput(path, 'public key').includes('-----BEGIN CERTIFICATE-----'))
    return;
  say(
    `WARNING: ${path} is a certificate: only its public key was used; its chain, validity and identity were NOT checked (verify keyless with --bundle, --trusted-root and --certificate-identity to check them)`,
  );
}

/** `verify-blob FILE --key K --signature S`: "Verified OK" or a coded error. */
export async function runVerifyBlob(file: string, o: { key: string; signature: string }): Promise<void> {
  warnCertificateKey(o.key);
  const pub = await loadVerifyKey(o.key);
  verifyBlob(pub, readInput(file, 'blob'), signatureArg(o.signature));
  say('Verified OK');
}

/** `sign-dsse FILE --key K`: prints (or writes) the DSSE envelope. */
export async function runSignDsse(
  file: string,
  o: { key: string; payloadType: string; output?: string },
): Promise<void> {
  const payload = readInput(file, 'payload');
  const rec = await signDsse(await keySigner(o.key), o.payloadType, payload);
  if (!o.output) return void process.stdout.write(`${rec.bytes.toString('utf8')}\n`);
  writeFileAtomic(o.output, rec.bytes, 0o644);
  say(`Envelope written to ${o.output}`);
}

/** `verify-dsse ENVELOPE --key K`: "Verified OK", optionally writing the verified payload. */
export async function runVerifyDsse(
  envelope: string,
  o: { key: string; payloadType?: string; outputPayload?: string },
): Promise<void> {
  warnCertificateKey(o.key);
  const pub = await loadVerifyKey(o.key);
  const payload = verifyDsse(readInput(envelope, 'envelope'), pub, o.payloadType);
  if (o.outputPayload) writeFileAtomic(o.outputPayload, payload, 0o644);
  say('Verified OK');
}
