import type { Command } from 'commander';
import type { PairOpts } from '../actions/keys.ts';

// action bodies load on first use: registering commands stays cheap for every other command
const actions = () => import('../actions/keys.ts');

/** generate-key-pair, import-key-pair, public-key (cosign's flags and messages, https://github.com/sigstore/cosign/blob/main/pkg/cosign/keys.go). */
export function registerKeyCommands(program: Command): void {
  program
    .command('generate-key-pair')
    .description(
      'generate an ECDSA P-256 key pair (cosign.key encrypted, cosign.pub), or store it in k8s://NS/NAME',
    )
    .argument('[key-ref]', 'k8s://<namespace>/<secret> to store the key pair in a Kubernetes Secret')
    .option('--output-key-prefix <prefix>', 'name of the key files (<prefix>.key, <prefix>.pub)', 'cosign')
    .option('--force', 'overwrite existing key files without asking')
    .option('--kubeconfig <file>', 'kubeconfig for k8s:// (default: KUBECONFIG or ~/.kube/config)')
    .action(async (ref: string | undefined, o: PairOpts) => (await actions()).runGenerateKeyPair(ref, o));

  program
    .command('import-key-pair')
    .description('import a PKCS#1, SEC1 or PKCS#8 private key as a cosign key pair')
    .requiredOption('--key <file>', 'plaintext private key PEM to import')
    .option('--output-key-prefix <prefix>', 'name of the key files', 'import-cosign')
    .option('--force', 'overwrite existing key files without asking')
    .action(async (o: PairOpts & { key: string }) => (await actions()).runImportKeyPair(o));

  program
    .command('public-key')
    .description('print the public key of a private key')
    .requiredOption('--key <file>', 'private key (cosign.key or PKCS#8 PEM)')
    .option('--outfile <file>', 'write the public key to a file instead of stdout')
    .action(async (o: { key: string; outfile?: string }) => (await actions()).runPublicKey(o));
}
