import { Option, type Command } from 'commander';
import { INTOTO_PAYLOAD_TYPE } from '../../core/dsse.ts';
import { goMarshal } from '../../core/json.ts';
import { loadPublicKey, verifySignature, type PublicKeyMaterial } from '../../keys/index.ts';
import { KeySigner, signDsse, signSimpleSigning } from '../../signing/index.ts';
import {
  RegistryClient,
  RegistryError,
  manifestDigests,
  multiKeychain,
  parseReference,
  parseRepository,
  repositoryName,
  staticKeychain,
  type Keychain,
} from '../../registry/index.ts';
import type { ImageTarget, RunRef, StoreRequest } from '../../storage/backend.ts';
import { OciStorageBackend, type OciEncoding } from '../../storage/oci/backend.ts';
import { Annotation } from '../../storage/oci/layout.ts';
import type { DuplicateCheck } from '../../storage/oci/legacy.ts';
import { OciReader } from '../../storage/oci/reader.ts';
import { verifyImageAttestations } from '../../verify/attestation.ts';
import { verifyImageSignatures } from '../../verify/image.ts';
import {
  attestationVerificationText,
  imageVerificationJson,
  verificationHeader,
} from '../../verify/oci-output.ts';
import { predicateTypeFor } from '../../verify/predicate-types.ts';
import { loadKeyFile, readInput } from './keys.ts';
import { logCheck, uploadToLog, type TlogFlags } from '../tlog-wiring.ts';
import { dockerKeychain } from '../docker-keychain.ts';

const say = (line: string): void => void process.stderr.write(`${line}\n`);

interface RegistryFlags {
  allowInsecureRegistry?: boolean;
  caCert?: string;
  registryUsername?: string;
  registryPassword?: string;
}

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
    return c.addOption(
      new Option('--tlog-upload [bool]', 'upload to the transparency log')
        .default(true)
        .argParser((v: string) => v !== 'false'),
    );
  }
  return c.option('--insecure-ignore-tlog', 'skip transparency log verification');
}

function buildClient(f: RegistryFlags, image: string): RegistryClient {
  const chains: Keychain[] = [];
  if (f.registryUsername !== undefined) {
    const registry = parseReference(image).registry;
    const cred = { kind: 'basic' as const, username: f.registryUsername, password: f.registryPassword ?? '' };
    chains.push(staticKeychain(registry, cred));
  }
  const docker = dockerKeychain();
  if (docker) chains.push(docker);
  return new RegistryClient({
    keychain: multiKeychain(...chains),
    insecure: f.allowInsecureRegistry === true,
    ...(f.caCert ? { caCert: readInput(f.caCert, 'CA certificate') } : {}),
  });
}

/** `-a key=value` collector. */
function collect(v: string, prev: Record<string, string>): Record<string, string> {
  const i = v.indexOf('=');
  if (i <= 0) throw new RegistryError('BAD_REFERENCE', `annotation "${v}" must be key=value`);
  return { ...prev, [v.slice(0, i)]: v.slice(i + 1) };
}

/** Resolve IMAGE to its digest, warning like cosign when a tag was given. */
async function resolveTarget(client: RegistryClient, image: string): Promise<ImageTarget> {
  const ref = parseReference(image);
  if (!ref.digest) {
    say(
      `WARNING: Image reference ${image} uses a tag, not a digest, to identify the image to sign.\n` +
        '    This can lead you to sign a different image than the intended one.',
    );
  }
  const m = await client.resolve(ref);
  return { repository: repositoryName(ref), digest: m.digest };
}

/** cosign's dupe detector: skip when an existing layer holds this payload and verifies with our key. */
function signedByKey(pub: PublicKeyMaterial, payload: Buffer): DuplicateCheck {
  return (existing, candidate) => {
    const sig = existing.annotations?.[Annotation.signature];
    if (existing.digest !== candidate.digest || !sig) return false;
    return verifySignature(pub, payload, Buffer.from(sig, 'base64'));
  };
}

const CLI_RUN: RunRef = { kind: 'TaskRun', namespace: '', name: 'chains-cli', uid: '' };

function backendFor(
  client: RegistryClient,
  encoding: OciEncoding,
  dedupe?: DuplicateCheck,
): OciStorageBackend {
  const repository = process.env.COSIGN_REPOSITORY;
  return new OciStorageBackend({
    client,
    encoding,
    ...(repository ? { repository } : {}),
    ...(dedupe ? { isDuplicate: dedupe } : {}),
  });
}

const encodingOf = (newBundleFormat: boolean | undefined): OciEncoding =>
  newBundleFormat ? 'sigstore-bundle' : 'dsse';

interface SignFlags extends RegistryFlags, TlogFlags {
  key: string;
  annotations: Record<string, string>;
  newBundleFormat?: boolean;
  recursive?: boolean;
}

async function runSign(image: string, o: SignFlags): Promise<void> {
  const client = buildClient(o, image);
  const target = await resolveTarget(client, image);
  const signer = new KeySigner(await loadKeyFile(o.key));
  const repo = parseRepository(target.repository);
  // --recursive: the index, then every manifest below it (cosign sign --recursive)
  const digests = await manifestDigests(client, repo, target.digest, { recursive: o.recursive === true });
  for (const digest of digests) await signOne(client, signer, { repository: target.repository, digest }, o);
}

async function signOne(
  client: RegistryClient,
  signer: KeySigner,
  target: ImageTarget,
  o: SignFlags,
): Promise<void> {
  const ann = Object.keys(o.annotations).length ? o.annotations : undefined;
  const record = await uploadToLog(await signSimpleSigning(signer, target.repository, target.digest, ann), o);
  const backend = backendFor(
    client,
    encodingOf(o.newBundleFormat),
    signedByKey(signer.publicKey, record.bytes),
  );
  const req: StoreRequest = {
    what: 'image-signature',
    run: CLI_RUN,
    record,
    image: target,
    shortKey: target.digest.slice(7, 19),
    format: 'simplesigning',
  };
  const res = await backend.store(req);
  say(`Pushing signature to: ${res.locations.join(', ')}`);
}

/** in-toto Statement v0.1 as `cosign attest` builds it (sigstore.md §3.1; Go field order). */
export function attestationStatement(
  target: ImageTarget,
  type: string,
  predicateText: string,
  now: Date,
): Buffer {
  const predicateType = predicateTypeFor(type);
  let predicate: unknown;
  if (type === 'custom') {
    predicate = { Data: predicateText, Timestamp: now.toISOString().replace(/\.\d{3}Z$/, 'Z') };
  } else {
    try {
      predicate = JSON.parse(predicateText);
    } catch (e) {
      throw new RegistryError('BAD_CONFIG', `predicate is not valid JSON: ${(e as Error).message}`, {
        cause: e,
      });
    }
  }
  const subject = [{ name: target.repository, digest: { sha256: target.digest.replace(/^sha256:/, '') } }];
  const st = { _type: 'https://in-toto.io/Statement/v0.1', predicateType, subject, predicate };
  return Buffer.from(goMarshal(st));
}

interface AttestFlags extends SignFlags {
  predicate: string;
  type: string;
  replace?: boolean;
}

async function runAttest(image: string, o: AttestFlags): Promise<void> {
  predicateTypeFor(o.type);
  // cobra's notice for cosign's deprecated flag; referrers (--new-bundle-format) are never replaced, as in cosign
  if (o.replace)
    say('Flag --replace has been deprecated, not needed when OCI referrers become the default behavior');
  const client = buildClient(o, image);
  const target = await resolveTarget(client, image);
  const signer = new KeySigner(await loadKeyFile(o.key));
  const statement = attestationStatement(
    target,
    o.type,
    readInput(o.predicate, 'predicate').toString('utf8'),
    new Date(),
  );
  const record = await uploadToLog(await signDsse(signer, INTOTO_PAYLOAD_TYPE, statement), o);
  const req: StoreRequest = {
    what: 'attestation',
    run: CLI_RUN,
    record,
    predicateType: predicateTypeFor(o.type),
    subjects: [target],
    shortKey: target.digest.slice(7, 19),
    format: 'in-toto',
    ...(o.replace ? { replace: true } : {}),
  };
  const res = await backendFor(client, encodingOf(o.newBundleFormat)).store(req);
  for (const d of res.decisions ?? [])
    say(`${d.replaced ? 'Replacing' : 'Not replacing'} attestation predicate: ${d.predicateType}`);
  say(`Pushing attestation to: ${res.locations.join(', ')}`);
}

interface VerifyFlags extends RegistryFlags, TlogFlags {
  key: string;
  annotations: Record<string, string>;
  output: string;
  type?: string;
  recursive?: boolean;
}

/** IMAGE, or with --recursive the image and every manifest below it, each as `repo@digest`. */
async function verifyTargets(client: RegistryClient, image: string, recursive: boolean): Promise<string[]> {
  if (!recursive) return [image];
  const ref = parseReference(image);
  const top = ref.digest ?? (await client.resolve(ref)).digest;
  const name = repositoryName(ref);
  return (await manifestDigests(client, ref, top, { recursive: true })).map((d) => `${name}@${d}`);
}

async function runVerify(images: string[], o: VerifyFlags): Promise<void> {
  const publicKey = loadPublicKey(readInput(o.key, 'public key'));
  const checkBundle = await logCheck(o);
  for (const image of images) {
    const client = buildClient(o, image);
    const repository = process.env.COSIGN_REPOSITORY;
    for (const target of await verifyTargets(client, image, o.recursive === true)) {
      const r = await verifyImageSignatures(target, {
        client,
        publicKey,
        annotations: o.annotations,
        ...(checkBundle ? { checkBundle } : {}),
        ...(repository ? { repository } : {}),
      });
      const annotations = Object.keys(o.annotations).length > 0;
      process.stderr.write(verificationHeader(target, { annotations, tlogChecked: r.tlogChecked }));
      if (o.output === 'text')
        for (const v of r.verified) process.stdout.write(`${v.payload.toString('utf8')}\n`);
      else process.stdout.write(imageVerificationJson(r));
    }
  }
}

async function runVerifyAttestation(images: string[], o: VerifyFlags): Promise<void> {
  const publicKey = loadPublicKey(readInput(o.key, 'public key'));
  const predicateType = o.type ? predicateTypeFor(o.type) : undefined;
  const checkBundle = await logCheck(o);
  for (const image of images) {
    const repository = process.env.COSIGN_REPOSITORY;
    const client = buildClient(o, image);
    for (const target of await verifyTargets(client, image, o.recursive === true)) {
      const r = await verifyImageAttestations(target, {
        client,
        publicKey,
        ...(checkBundle ? { checkBundle } : {}),
        ...(predicateType ? { predicateType } : {}),
        ...(repository ? { repository } : {}),
      });
      process.stderr.write(verificationHeader(target, { annotations: false, tlogChecked: r.tlogChecked }));
      process.stdout.write(attestationVerificationText(r));
    }
  }
}

async function runTriangulate(image: string, o: RegistryFlags & { type: string }): Promise<void> {
  const client = buildClient(o, image);
  const ref = parseReference(image);
  const digest = ref.digest ?? (await client.resolve(ref)).digest;
  const repository = process.env.COSIGN_REPOSITORY;
  const reader = new OciReader(client, repository ? { repository } : {});
  const loc = reader.locations({ repository: repositoryName(ref), digest });
  const out: Record<string, string> = {
    signature: loc.signatures,
    attestation: loc.attestations,
    digest: `${repositoryName(ref)}@${digest}`,
    referrers: `${loc.referrers} (referrers API, or tag ${digest.replace(':', '-')})`,
  };
  const line = out[o.type];
  if (!line)
    throw new RegistryError(
      'BAD_REFERENCE',
      `unknown --type "${o.type}": signature, attestation, digest, referrers`,
    );
  process.stdout.write(`${line}\n`);
}

async function runServe(o: { addr: string; dir?: string }): Promise<void> {
  const reg = await (
    await import('../../registry/server/server.ts')
  ).startRegistryServer({ addr: o.addr, ...(o.dir ? { dir: o.dir } : {}) });
  say(`serving OCI registry on ${reg.url} (${o.dir ? `files in ${o.dir}` : 'in memory'})`);
  await new Promise<void>((resolve) => {
    const stop = (): void => void reg.close().then(resolve);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

/** sign, attest, verify, verify-attestation, triangulate, registry serve (cosign's flags and output). */
export function registerOciCommands(program: Command): void {
  const ann = (c: Command): Command =>
    c.option('-a, --annotations <key=value>', 'extra key=value pairs to sign / to require', collect, {});
  const sign = program
    .command('sign')
    .description('sign a container image and push the signature (cosign .sig layout)')
    .argument('<image>', 'image reference (tag or digest)')
    .requiredOption('--key <file>', 'private key (cosign.key)')
    .option('--new-bundle-format', 'push a sigstore bundle v0.3 referrer instead of the .sig tag')
    .option('-r, --recursive', 'if a multi-arch image is specified, additionally sign each discrete image');
  ann(tlogOptions(registryOptions(sign), true)).action(runSign);

  const attest = program
    .command('attest')
    .description('attest to an image with a predicate and push the attestation (cosign .att layout)')
    .argument('<image>', 'image reference')
    .requiredOption('--key <file>', 'private key (cosign.key)')
    .requiredOption('--predicate <file>', 'the predicate file')
    .option('--type <type>', 'predicate type name or URI', 'custom')
    .option('--new-bundle-format', 'push a sigstore bundle v0.3 referrer instead of the .att tag')
    .option('--replace', 'replace the stored attestations of the same predicate type instead of appending');
  tlogOptions(registryOptions(attest), true).action(runAttest);

  const verify = program
    .command('verify')
    .description('verify image signatures against a public key')
    .argument('<images...>', 'image references')
    .requiredOption('--key <file>', 'public key (cosign.pub)')
    .option('-o, --output <format>', 'json or text', 'json')
    .option('-r, --recursive', 'for an image index, also verify every manifest it lists (each must verify)');
  ann(tlogOptions(registryOptions(verify), false)).action(runVerify);

  const verifyAtt = program
    .command('verify-attestation')
    .description('verify image attestations against a public key')
    .argument('<images...>', 'image references')
    .requiredOption('--key <file>', 'public key (cosign.pub)')
    .option('--type <type>', 'only attestations of this predicate type (name or URI)')
    .option('-o, --output <format>', 'text', 'text')
    .option('-r, --recursive', 'for an image index, also verify every manifest it lists (each must verify)');
  tlogOptions(registryOptions(verifyAtt), false).action(runVerifyAttestation);

  const tri = program
    .command('triangulate')
    .description('print where the signatures / attestations of an image are stored')
    .argument('<image>', 'image reference')
    .option('--type <type>', 'signature, attestation, digest or referrers', 'signature');
  registryOptions(tri).action(runTriangulate);

  program
    .command('registry')
    .description('embedded OCI registry')
    .command('serve')
    .description('serve an OCI distribution registry (file-backed with --dir, else in memory)')
    .option('--addr <host:port>', 'listen address', '127.0.0.1:5000')
    .option('--dir <dir>', 'storage directory')
    .action(runServe);
}
