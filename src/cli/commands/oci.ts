import { type Command } from 'commander';
import { RegistryError } from '../../registry/errors.ts';
import {
  keylessSignOptions,
  keylessVerifyOptions,
  skipConfirmationOption,
  tlogUploadOption,
} from './sign.ts';
import type { AttestFlags, RegistryFlags, SignFlags, VerifyFlags } from '../actions/oci.ts';

// action bodies (registry client, storage, verification) load on first use: registration stays cheap
const actions = () => import('../actions/oci.ts');

/** Registry flags as cosign names them (plus --ca-cert for private CAs). */
function registryOptions(cmd: Command): Command {
  return cmd
    .option('--allow-insecure-registry', 'allow plain HTTP and unverified TLS registries')
    .option('--ca-cert <file>', 'extra CA certificate (PEM) to trust for registry TLS')
    .option('--registry-username <user>', 'registry user (else docker config.json)')
    .option('--registry-password <password>', 'registry password');
}

function tlogOptions(cmd: Command, signing: boolean): Command {
  const c = cmd.option('--rekor-url <url>', 'transparency log address', 'https://rekor.sigstore.dev');
  if (signing) {
    return c.addOption(tlogUploadOption('upload to the transparency log'));
  }
  return c.option('--insecure-ignore-tlog', 'skip transparency log verification');
}

/** `-a key=value` collector. */
function collect(v: string, prev: Record<string, string>): Record<string, string> {
  const i = v.indexOf('=');
  if (i <= 0) throw new RegistryError('BAD_REFERENCE', `annotation "${v}" must be key=value`);
  return { ...prev, [v.slice(0, i)]: v.slice(i + 1) };
}

/** sign, attest, verify, verify-attestation, triangulate, registry serve (cosign's flags and output). */
export function registerOciCommands(program: Command): void {
  const ann = (c: Command): Command =>
    c.option('-a, --annotations <key=value>', 'extra key=value pairs to sign / to require', collect, {});
  const sign = program
    .command('sign')
    .description('sign a container image and push the signature (cosign .sig layout)')
    .argument('<image>', 'image reference (tag or digest)')
    .option('--key <file>', 'private key (cosign.key); keyless (Fulcio certificate) without it')
    .option('--new-bundle-format', 'push a sigstore bundle v0.3 referrer instead of the .sig tag')
    .option('-r, --recursive', 'if a multi-arch image is specified, additionally sign each discrete image');
  ann(tlogOptions(registryOptions(keylessSignOptions(skipConfirmationOption(sign))), true)).action(
    async (image: string, o: SignFlags) => (await actions()).runSign(image, o),
  );

  const attest = program
    .command('attest')
    .description('attest to an image with a predicate and push the attestation (cosign .att layout)')
    .argument('<image>', 'image reference')
    .option('--key <file>', 'private key (cosign.key); keyless (Fulcio certificate) without it')
    .requiredOption('--predicate <file>', 'the predicate file')
    .option('--type <type>', 'predicate type name or URI', 'custom')
    .option('--new-bundle-format', 'push a sigstore bundle v0.3 referrer instead of the .att tag')
    .option('--replace', 'replace the stored attestations of the same predicate type instead of appending');
  tlogOptions(registryOptions(keylessSignOptions(skipConfirmationOption(attest))), true).action(
    async (image: string, o: AttestFlags) => (await actions()).runAttest(image, o),
  );

  const verify = program
    .command('verify')
    .description('verify image signatures against a public key, or keyless against an identity')
    .argument('<images...>', 'image references')
    .option('--key <file>', 'public key (cosign.pub); keyless without it')
    .option('-o, --output <format>', 'json or text', 'json')
    .option('-r, --recursive', 'for an image index, also verify every manifest it lists (each must verify)');
  ann(tlogOptions(registryOptions(keylessVerifyOptions(verify)), false)).action(
    async (images: string[], o: VerifyFlags) => (await actions()).runVerify(images, o),
  );

  const verifyAtt = program
    .command('verify-attestation')
    .description('verify image attestations against a public key, or keyless against an identity')
    .argument('<images...>', 'image references')
    .option('--key <file>', 'public key (cosign.pub); keyless without it')
    .option('--type <type>', 'only attestations of this predicate type (name or URI)')
    .option('-o, --output <format>', 'text', 'text')
    .option('-r, --recursive', 'for an image index, also verify every manifest it lists (each must verify)');
  tlogOptions(registryOptions(keylessVerifyOptions(verifyAtt)), false).action(
    async (images: string[], o: VerifyFlags) => (await actions()).runVerifyAttestation(images, o),
  );

  const tri = program
    .command('triangulate')
    .description('print where the signatures / attestations of an image are stored')
    .argument('<image>', 'image reference')
    .option('--type <type>', 'signature, attestation, digest or referrers', 'signature');
  registryOptions(tri).action(async (image: string, o: RegistryFlags & { type: string }) =>
    (await actions()).runTriangulate(image, o),
  );

  program
    .command('registry')
    .description('embedded OCI registry')
    .command('serve')
    .description('serve an OCI distribution registry (file-backed with --dir, else in memory)')
    .option('--addr <host:port>', 'listen address', '127.0.0.1:5000')
    .option('--dir <dir>', 'storage directory')
    .action(async (o: { addr: string; dir?: string }) => (await actions()).runServe(o));
}
