import { INTOTO_PAYLOAD_TYPE } from '../../core/dsse.ts';
import { loadPublicKey, type PublicKeyMaterial } from '../../keys/index.ts';
import { signDsse, signSimpleSigning, type Signer } from '../../signing/index.ts';
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
import { OciStorageBackend } from '../../storage/oci/backend.ts';
import type { OciEncoding } from '../../storage/oci/encoding.ts';
import type { DuplicateCheck } from '../../storage/oci/legacy.ts';
import { OciReader } from '../../storage/oci/reader.ts';
import { verifyImageAttestations } from '../../verify/attestation.ts';
import { signedByKey } from '../../verify/duplicate.ts';
import { verifyImageSignatures, type VerifiedImageSignature } from '../../verify/image.ts';
import {
  attestationVerificationText,
  imageVerificationJson,
  verificationHeader,
} from '../../verify/oci-output.ts';
import { attestationStatement, predicateTypeFor } from '../../provenance/index.ts';
import { readInput, say } from '../io.ts';
import { stopSignal } from '../signals.ts';
import { keySigner } from '../key-args.ts';
import { logCheck, uploadToLog, type TlogFlags } from '../tlog-wiring.ts';
import { dockerKeychain } from '../docker-keychain.ts';
import type { CertificateCheck, CheckBundle } from '../../verify/tlog-hook.ts';
import type { KeylessVerifyFlags } from './keyless.ts';

export interface RegistryFlags {
  allowInsecureRegistry?: boolean;
  caCert?: string;
  registryUsername?: string;
  registryPassword?: string;
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

export interface SignFlags extends RegistryFlags, TlogFlags {
  /** absent: keyless (Fulcio certificate; the log is mandatory) */
  key?: string;
  fulcioUrl: string;
  identityToken?: string;
  annotations: Record<string, string>;
  newBundleFormat?: boolean;
  recursive?: boolean;
}

/** The key signer with --key, else a one-use keyless signer (cosign sign without --key). */
async function signerFor(o: SignFlags): Promise<Signer> {
  if (o.key) return keySigner(o.key);
  return (await import('./keyless.ts')).keylessSigner(o);
}

export async function runSign(image: string, o: SignFlags): Promise<void> {
  const client = buildClient(o, image);
  const target = await resolveTarget(client, image);
  const signer = await signerFor(o);
  const repo = parseRepository(target.repository);
  // --recursive: the index, then every manifest below it (cosign sign --recursive)
  const digests = await manifestDigests(client, repo, target.digest, { recursive: o.recursive === true });
  for (const digest of digests) await signOne(client, signer, { repository: target.repository, digest }, o);
}

async function signOne(
  client: RegistryClient,
  signer: Signer,
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

export interface AttestFlags extends SignFlags {
  predicate: string;
  type: string;
  replace?: boolean;
}

export async function runAttest(image: string, o: AttestFlags): Promise<void> {
  predicateTypeFor(o.type);
  // cobra's notice for cosign's deprecated flag; referrers (--new-bundle-format) are never replaced, as in cosign
  if (o.replace)
    say('Flag --replace has been deprecated, not needed when OCI referrers become the default behavior');
  const client = buildClient(o, image);
  const target = await resolveTarget(client, image);
  const signer = await signerFor(o);
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

export interface VerifyFlags extends RegistryFlags, TlogFlags, KeylessVerifyFlags {
  /** absent: keyless (certificate identity and issuer, --trusted-root) */
  key?: string;
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

/** Keyless output: a failure coded by its check, cosign's certificate fields in the JSON. */
interface KeylessOutput {
  failure: (e: unknown) => unknown;
  certificate: (pem: string) => Record<string, string>;
}

/** --key, or the keyless certificate check with the log key pinned by the trusted root. */
async function verifyKeys(o: VerifyFlags): Promise<{
  publicKey?: PublicKeyMaterial;
  certificateCheck?: CertificateCheck;
  checkBundle?: CheckBundle;
  keyless?: KeylessOutput;
}> {
  if (o.key) {
    const checkBundle = await logCheck(o);
    return {
      publicKey: loadPublicKey(readInput(o.key, 'public key')),
      ...(checkBundle ? { checkBundle } : {}),
    };
  }
  const k = await import('./keyless.ts');
  const { certificateCheck, logKeyPem } = k.keylessVerification(o);
  const checkBundle = await logCheck(o, logKeyPem);
  const keyless = { failure: k.keylessFailure, certificate: k.cosignCertificateOptional };
  return { certificateCheck, keyless, ...(checkBundle ? { checkBundle } : {}) };
}

/** In keyless mode, a failure carries the code of the check every signature failed. */
const coded =
  (keyless: KeylessOutput | undefined) =>
  (e: unknown): never => {
    throw keyless ? keyless.failure(e) : e;
  };

/** `verify -o text`: a keyless signature's certificate subject and issuer (stderr), then its payload. */
function printText(v: VerifiedImageSignature, keyless: KeylessOutput | undefined): void {
  const c = keyless && v.certificatePem ? keyless.certificate(v.certificatePem) : undefined;
  if (c) say(`Certificate subject: ${c.Subject ?? ''}`);
  if (c?.Issuer) say(`Certificate issuer URL: ${c.Issuer}`);
  process.stdout.write(`${v.payload.toString('utf8')}\n`);
}

export async function runVerify(images: string[], o: VerifyFlags): Promise<void> {
  const { keyless, ...keys } = await verifyKeys(o);
  for (const image of images) {
    const client = buildClient(o, image);
    const repository = process.env.COSIGN_REPOSITORY;
    for (const target of await verifyTargets(client, image, o.recursive === true)) {
      const r = await verifyImageSignatures(target, {
        client,
        ...keys,
        annotations: o.annotations,
        ...(repository ? { repository } : {}),
      }).catch(coded(keyless));
      const annotations = Object.keys(o.annotations).length > 0;
      const header = { annotations, tlogChecked: r.tlogChecked, keyless: keyless !== undefined };
      process.stderr.write(verificationHeader(target, header));
      if (o.output !== 'text') process.stdout.write(imageVerificationJson(r, keyless?.certificate));
      else for (const v of r.verified) printText(v, keyless);
    }
  }
}

export async function runVerifyAttestation(images: string[], o: VerifyFlags): Promise<void> {
  const predicateType = o.type ? predicateTypeFor(o.type) : undefined;
  const { keyless, ...keys } = await verifyKeys(o);
  for (const image of images) {
    const repository = process.env.COSIGN_REPOSITORY;
    const client = buildClient(o, image);
    for (const target of await verifyTargets(client, image, o.recursive === true)) {
      const r = await verifyImageAttestations(target, {
        client,
        ...keys,
        ...(predicateType ? { predicateType } : {}),
        ...(repository ? { repository } : {}),
      }).catch(coded(keyless));
      const header = { annotations: false, tlogChecked: r.tlogChecked, keyless: keyless !== undefined };
      process.stderr.write(verificationHeader(target, header));
      process.stdout.write(attestationVerificationText(r));
    }
  }
}

export async function runTriangulate(image: string, o: RegistryFlags & { type: string }): Promise<void> {
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

export async function runServe(o: { addr: string; dir?: string }): Promise<void> {
  const stopped = stopSignal();
  const reg = await (
    await import('../../registry/server/server.ts')
  ).startRegistryServer({ addr: o.addr, ...(o.dir ? { dir: o.dir } : {}) });
  say(`serving OCI registry on ${reg.url} (${o.dir ? `files in ${o.dir}` : 'in memory'})`);
  await stopped;
  await reg.close();
}
