import type { Command } from 'commander';
import { INTOTO_PAYLOAD_TYPE } from '../../core/payload-types.ts';
import type { SignBlobFlags } from '../actions/sign.ts';

// action bodies load on first use: registering commands stays cheap for every other command
const actions = () => import('../actions/sign.ts');

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
    .action(async (file: string, o: SignBlobFlags) => (await actions()).runSignBlob(file, o));

  program
    .command('verify-blob')
    .description('verify a blob signature with a public key; prints "Verified OK"')
    .argument('<file>', 'the signed blob')
    .requiredOption('--key <file>', 'public key PEM, certificate, or k8s://NS/NAME')
    .requiredOption('--signature <sig>', 'signature file, or the base64 signature text')
    .action(async (file: string, o: { key: string; signature: string }) =>
      (await actions()).runVerifyBlob(file, o),
    );

  program
    .command('sign-dsse')
    .description('sign a payload as a DSSE envelope (as Chains writes it); prints the envelope JSON')
    .argument('<file>', 'the payload (e.g. an in-toto statement)')
    .requiredOption('--key <file>', 'private key (cosign.key, PKCS#8 PEM, or k8s://NS/NAME)')
    .option('--payload-type <type>', 'DSSE payloadType', INTOTO_PAYLOAD_TYPE)
    .option('--output <file>', 'write the envelope to this file instead of stdout')
    .action(async (file: string, o: { key: string; payloadType: string; output?: string }) =>
      (await actions()).runSignDsse(file, o),
    );

  program
    .command('verify-dsse')
    .description('verify a DSSE envelope with a public key; prints "Verified OK"')
    .argument('<envelope>', 'DSSE envelope JSON file')
    .requiredOption('--key <file>', 'public key PEM, certificate, or k8s://NS/NAME')
    .option('--payload-type <type>', 'require this payloadType')
    .option('--output-payload <file>', 'write the verified payload to this file')
    .action(async (envelope: string, o: { key: string; payloadType?: string; outputPayload?: string }) =>
      (await actions()).runVerifyDsse(envelope, o),
    );
}
