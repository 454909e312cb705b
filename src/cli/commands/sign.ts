import { existsSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { INTOTO_PAYLOAD_TYPE } from '../../core/dsse.ts';
import { KeySigner, signDsse, signRaw } from '../../signing/index.ts';
import { verifyBlob } from '../../verify/blob.ts';
import { signatureBytes } from '../../verify/signature.ts';
import { uploadToLog } from '../tlog-wiring.ts';
import { verifyDsse } from '../../verify/dsse.ts';
import { loadKeyFile, loadVerifyKey, readInput, writeFileAtomic } from './keys.ts';

const say = (line: string): void => void process.stderr.write(`${line}\n`);

/**
 * `--signature` is a file when one exists at that path, else the base64 text itself (cosign verify-blob); a
 * file may hold single-line or line-wrapped base64, or the raw DER signature.
 */
function signatureArg(sig: string): Buffer {
  if (existsSync(sig) && statSync(sig).isFile()) return signatureBytes(readInput(sig, 'signature'));
  return signatureBytes(sig);
}

interface SignBlobFlags {
  key: string;
  outputSignature?: string;
  tlogUpload: boolean;
  rekorUrl: string;
}

/** sign-blob, verify-blob, sign-dsse, verify-dsse with key files (cosign flags and messages). */
export function registerSignCommands(program: Command): void {
  program
    .command('sign-blob')
    .description('sign a file; prints the base64 signature')
    .argument('<file>', 'the blob to sign')
    .requiredOption('--key <file>', 'private key (cosign.key, PKCS#8 PEM, or k8s://NS/NAME)')
    .option('--output-signature <file>', 'write the base64 signature to this file')
    .option('--tlog-upload', 'also record the signature in the transparency log (hashedrekord)', false)
    .option('--rekor-url <url>', 'transparency log address', 'https://rekor.sigstore.dev')
    .action(async (file: string, o: SignBlobFlags) => {
      const blob = readInput(file, 'blob');
      // cosign signs Ed25519 blobs as Ed25519ph only when it logs them (sign_blob.go)
      let rec = await signRaw(new KeySigner(await loadKeyFile(o.key)), blob, o.tlogUpload);
      if (o.tlogUpload) rec = await uploadToLog(rec, { rekorUrl: o.rekorUrl, tlogUpload: true });
      if (!o.outputSignature) return void process.stdout.write(`${rec.signature}\n`);
      writeFileAtomic(o.outputSignature, rec.signature, 0o600);
      say(`Signature wrote in the file ${o.outputSignature}`);
    });

  program
    .command('verify-blob')
    .description('verify a blob signature with a public key; prints "Verified OK"')
    .argument('<file>', 'the signed blob')
    .requiredOption('--key <file>', 'public key PEM, certificate, or k8s://NS/NAME')
    .requiredOption('--signature <sig>', 'signature file, or the base64 signature text')
    .action(async (file: string, o: { key: string; signature: string }) => {
      const pub = await loadVerifyKey(o.key);
      verifyBlob(pub, readInput(file, 'blob'), signatureArg(o.signature));
      say('Verified OK');
    });

  program
    .command('sign-dsse')
    .description('sign a payload as a DSSE envelope (as Chains writes it); prints the envelope JSON')
    .argument('<file>', 'the payload (e.g. an in-toto statement)')
    .requiredOption('--key <file>', 'private key (cosign.key, PKCS#8 PEM, or k8s://NS/NAME)')
    .option('--payload-type <type>', 'DSSE payloadType', INTOTO_PAYLOAD_TYPE)
    .option('--output <file>', 'write the envelope to this file instead of stdout')
    .action(async (file: string, o: { key: string; payloadType: string; output?: string }) => {
      const payload = readInput(file, 'payload');
      const rec = await signDsse(new KeySigner(await loadKeyFile(o.key)), o.payloadType, payload);
      if (!o.output) return void process.stdout.write(`${rec.bytes.toString('utf8')}\n`);
      writeFileAtomic(o.output, rec.bytes, 0o644);
      say(`Envelope written to ${o.output}`);
    });

  program
    .command('verify-dsse')
    .description('verify a DSSE envelope with a public key; prints "Verified OK"')
    .argument('<envelope>', 'DSSE envelope JSON file')
    .requiredOption('--key <file>', 'public key PEM, certificate, or k8s://NS/NAME')
    .option('--payload-type <type>', 'require this payloadType')
    .option('--output-payload <file>', 'write the verified payload to this file')
    .action(async (envelope: string, o: { key: string; payloadType?: string; outputPayload?: string }) => {
      const pub = await loadVerifyKey(o.key);
      const payload = verifyDsse(readInput(envelope, 'envelope'), pub, o.payloadType);
      if (o.outputPayload) writeFileAtomic(o.outputPayload, payload, 0o644);
      say('Verified OK');
    });
}
