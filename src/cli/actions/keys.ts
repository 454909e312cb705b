import { chmodSync, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type * as KubeModule from '@kubernetes/client-node';
import type { KubeConfig, V1Secret } from '@kubernetes/client-node';
import { ChainsError } from '../../core/errors.ts';
import {
  loadSigner,
  SigningError,
  type Signer,
  type SignerName,
  type SigningSecretData,
} from '../../signing/index.ts';
import {
  decodeKeyPem,
  generateKeyPair,
  importKeyPair,
  KubeKeyError,
  loadPrivateKey,
  parseKubeRef,
  loadPublicKey,
  PKCS8_PEM_TYPE,
  readKeyPairSecret,
  writeKeyPairSecret,
} from '../../keys/index.ts';
import type {
  KeyPairSecretData,
  KeySecret,
  PrivateKeyMaterial,
  PublicKeyMaterial,
  SecretClient,
} from '../../keys/index.ts';

export type CliErrorCode =
  'FILE_EXISTS' | 'PASSWORD_MISMATCH' | 'READ_ERROR' | 'WRITE_ERROR' | 'PROMPT_DECLINED';
export class CliError extends ChainsError<CliErrorCode> {}

const say = (line: string): void => void process.stderr.write(`${line}\n`);

/** Read one line from the terminal; `hidden` turns off echo (password prompts). */
function promptTty(prompt: string, hidden: boolean): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  return new Promise((resolve, reject) => {
    let buf = '';
    const finish = (err?: Error): void => {
      stdin.off('data', onData);
      if (hidden) stdin.setRawMode(false);
      stdin.pause();
      if (hidden) process.stderr.write('\n');
      if (err) reject(err);
      else resolve(buf);
    };
    const onData = (d: Buffer): void => {
      for (const ch of d.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return finish();
        if (ch === '\u0003' || ch === '\u0004') return finish(new CliError('PROMPT_DECLINED', 'interrupted'));
        if (ch === '\u007f' || ch === '\b') buf = buf.slice(0, -1);
        else buf += ch;
      }
    };
    if (hidden) stdin.setRawMode(true);
    stdin.on('data', onData);
    stdin.resume();
  });
}

async function readAllStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(chunks);
}

/**
 * cosign's password sources (https://github.com/sigstore/cosign/blob/main/pkg/cosign/keys.go): COSIGN_PASSWORD when set (even empty), else a terminal
 * prompt (asked twice when `confirm`), else all of stdin as is.
 */
export async function readPassword(confirm: boolean): Promise<Buffer> {
  const env = process.env.COSIGN_PASSWORD;
  if (env !== undefined) return Buffer.from(env, 'utf8');
  if (!process.stdin.isTTY) return readAllStdin();
  const first = await promptTty('Enter password for private key: ', true);
  if (confirm) {
    const again = await promptTty('Enter password for private key again: ', true);
    if (again !== first) throw new CliError('PASSWORD_MISMATCH', 'passwords do not match');
  }
  return Buffer.from(first, 'utf8');
}

/** Read a file the user named, with a one-line coded error instead of a raw ENOENT. */
export function readInput(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message;
    throw new CliError('READ_ERROR', `reading ${what} ${path}: ${reason}`, { cause: e });
  }
}

/** Load a signing key (file or k8s://NS/NAME); asks for a password only when the key is encrypted. */
export async function loadKeyFile(path: string): Promise<PrivateKeyMaterial> {
  if (path.startsWith('k8s://')) {
    const s = await readKubeKeys(path);
    if (!s.privateKeyPem) throw new KubeKeyError('K8S_ERROR', `secret ${path} has no cosign.key`);
    return loadPrivateKey(s.privateKeyPem, s.password ?? (await readPassword(false)));
  }
  const pem = readInput(path, 'key');
  const plain = decodeKeyPem(pem).type === PKCS8_PEM_TYPE;
  return loadPrivateKey(pem, plain ? '' : await readPassword(false));
}

/**
 * The `signing-secrets` files a signing key (file or k8s://NS/NAME) stands for, for the signer registry: `x509.pem`
 * for a plain PKCS#8 file, else `cosign.key` + a password (asked only then).
 */
async function keySecret(path: string): Promise<SigningSecretData> {
  if (path.startsWith('k8s://')) {
    const s = await readKubeKeys(path);
    if (!s.privateKeyPem) throw new KubeKeyError('K8S_ERROR', `secret ${path} has no cosign.key`);
    return { 'cosign.key': s.privateKeyPem, 'cosign.password': s.password ?? (await readPassword(false)) };
  }
  const pem = readInput(path, 'key');
  if (decodeKeyPem(pem).type === PKCS8_PEM_TYPE) return { 'x509.pem': pem };
  return { 'cosign.key': pem, 'cosign.password': await readPassword(false) };
}

/**
 * The signer of one-shot commands (sign-blob, sign-dsse, sign, attest): the named registry signer over `--key`
 * (a file or k8s://NS/NAME). The key's own error (WRONG_PASSWORD, …) is clearer here than the secret's wrapper.
 */
export async function keySigner(path: string, name: SignerName = 'x509'): Promise<Signer> {
  const secret = await keySecret(path);
  try {
    return await loadSigner(name, { secret });
  } catch (e) {
    throw e instanceof SigningError && e.cause instanceof ChainsError ? e.cause : e;
  }
}

/** Load a verification key: a PUBLIC KEY / CERTIFICATE PEM file, or cosign.pub of k8s://NS/NAME. */
export async function loadVerifyKey(path: string): Promise<PublicKeyMaterial> {
  if (!path.startsWith('k8s://')) return loadPublicKey(readInput(path, 'public key'));
  const s = await readKubeKeys(path);
  if (!s.publicKeyPem) throw new KubeKeyError('K8S_ERROR', `secret ${path} has no cosign.pub`);
  return loadPublicKey(s.publicKeyPem);
}

/** Ask before overwriting on a terminal; without one, refuse unless --force (cosign generate-key-pair). */
async function confirmOverwrite(paths: string[], force: boolean): Promise<void> {
  const existing = paths.filter((p) => existsSync(p));
  if (existing.length === 0 || force) return;
  const [first] = existing;
  if (!process.stdin.isTTY)
    throw new CliError('FILE_EXISTS', `file ${first} already exists; use --force to overwrite it`);
  say(`WARNING: File ${first} already exists. Overwrite?`);
  const answer = await promptTty('Are you sure you would like to continue? [y/N] ', false);
  if (!/^y(es)?$/i.test(answer.trim())) throw new CliError('PROMPT_DECLINED', 'user declined the prompt');
}

/** Write via a temp file + rename, so a failure never leaves a half-written key; mode is forced. */
export function writeFileAtomic(path: string, data: string | Uint8Array, mode: number): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, data, { mode, flag: 'wx' });
    chmodSync(tmp, mode);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new CliError('WRITE_ERROR', `writing ${path}: ${(e as Error).message}`, { cause: e });
  }
}

async function writePair(prefix: string, priv: string, pub: string, force: boolean): Promise<void> {
  await confirmOverwrite([`${prefix}.key`, `${prefix}.pub`], force);
  writeFileAtomic(`${prefix}.key`, priv, 0o600);
  say(`Private key written to ${prefix}.key`);
  writeFileAtomic(`${prefix}.pub`, pub, 0o644);
  say(`Public key written to ${prefix}.pub`);
}

/** client-node takes ~1.5 s to import: load it only for k8s:// references. */
type KubeLib = typeof KubeModule;

function kubeError(k: KubeLib, e: unknown, what: string): KubeKeyError {
  if (e instanceof k.ApiException) {
    const body = typeof e.body === 'string' ? e.body : JSON.stringify(e.body);
    const msg = /"message":"([^"]*)"/.exec(body)?.[1] ?? `HTTP ${e.code}`;
    return new KubeKeyError('K8S_ERROR', `${what}: ${msg}`, { cause: e });
  }
  return new KubeKeyError('K8S_ERROR', `${what}: ${(e as Error).message}`, { cause: e });
}

/** client-node 1.4.0 adapter; KUBECONFIG/--kubeconfig as `kubectl` (loadFromDefault). */
function kubeSecretClient(k: KubeLib, kc: KubeConfig): SecretClient {
  const api = kc.makeApiClient(k.CoreV1Api);
  const wrap = async <T>(what: string, f: () => Promise<T>): Promise<T> => {
    try {
      return await f();
    } catch (e) {
      throw kubeError(k, e, what);
    }
  };
  return {
    read: (namespace, name) =>
      wrap(`reading secret ${namespace}/${name}`, async () => {
        try {
          return (await api.readNamespacedSecret({ namespace, name })) as KeySecret;
        } catch (e) {
          if (e instanceof k.ApiException && e.code === 404) return null;
          throw e;
        }
      }),
    create: (namespace, body) =>
      wrap(
        `creating secret`,
        async () => (await api.createNamespacedSecret({ namespace, body: body as V1Secret })) as KeySecret,
      ),
    replace: (namespace, name, body) =>
      wrap(
        `updating secret`,
        async () =>
          (await api.replaceNamespacedSecret({ namespace, name, body: body as V1Secret })) as KeySecret,
      ),
  };
}

/** cosign sets Immutable only on servers >= 1.21; unknown version -> leave it unset. */
async function supportsImmutable(k: KubeLib, kc: KubeConfig): Promise<boolean | undefined> {
  try {
    const v = await kc.makeApiClient(k.VersionApi).getCode();
    const [major, minor] = [parseInt(v.major, 10), parseInt(v.minor, 10)];
    return major > 1 || (major === 1 && minor >= 21);
  } catch {
    return undefined;
  }
}

/** `--kubeconfig`, else what client-node's loadFromDefault finds (KUBECONFIG, ~/.kube/config, in-cluster). */
async function kubeConfig(kubeconfig?: string): Promise<{ k: KubeLib; kc: KubeConfig }> {
  const k = await import('@kubernetes/client-node');
  const kc = new k.KubeConfig();
  if (kubeconfig) kc.loadFromFile(kubeconfig);
  else kc.loadFromDefault();
  return { k, kc };
}

async function readKubeKeys(ref: string): Promise<KeyPairSecretData> {
  const target = parseKubeRef(ref);
  const { k, kc } = await kubeConfig();
  return readKeyPairSecret(kubeSecretClient(k, kc), target);
}

async function generateToKube(ref: string, kubeconfig: string | undefined): Promise<void> {
  const target = parseKubeRef(ref);
  const { k, kc } = await kubeConfig(kubeconfig);
  const password = await readPassword(true);
  const pair = await generateKeyPair(password);
  const contents = { privateKeyPem: pair.privateKeyPem, publicKeyPem: pair.publicKeyPem, password };
  const s = await writeKeyPairSecret(
    kubeSecretClient(k, kc),
    target,
    contents,
    await supportsImmutable(k, kc),
  );
  say(
    `Successfully created secret ${s.metadata?.name ?? target.name} in namespace ${s.metadata?.namespace ?? target.namespace}`,
  );
  writeFileAtomic('cosign.pub', pair.publicKeyPem, 0o600);
  say('Public key written to cosign.pub');
}

export interface PairOpts {
  outputKeyPrefix: string;
  force?: boolean;
  kubeconfig?: string;
}

/** `generate-key-pair [k8s://NS/NAME]` (cosign's flags and messages, https://github.com/sigstore/cosign/blob/main/pkg/cosign/keys.go). */
export async function runGenerateKeyPair(ref: string | undefined, o: PairOpts): Promise<void> {
  if (ref !== undefined) return generateToKube(ref, o.kubeconfig);
  await confirmOverwrite([`${o.outputKeyPrefix}.key`, `${o.outputKeyPrefix}.pub`], o.force === true);
  const pair = await generateKeyPair(await readPassword(true));
  await writePair(o.outputKeyPrefix, pair.privateKeyPem, pair.publicKeyPem, true);
}

/** `import-key-pair --key F`. */
export async function runImportKeyPair(o: PairOpts & { key: string }): Promise<void> {
  const pem = readInput(o.key, 'key');
  decodeKeyPem(pem);
  await confirmOverwrite([`${o.outputKeyPrefix}.key`, `${o.outputKeyPrefix}.pub`], o.force === true);
  const pair = await importKeyPair(pem, await readPassword(true));
  await writePair(o.outputKeyPrefix, pair.privateKeyPem, pair.publicKeyPem, true);
}

/** `public-key --key F [--outfile F]`. */
export async function runPublicKey(o: { key: string; outfile?: string }): Promise<void> {
  const key = await loadKeyFile(o.key);
  if (!o.outfile) return void process.stdout.write(key.publicKey.pem);
  writeFileAtomic(o.outfile, key.publicKey.pem, 0o644);
  say(`Public key written to ${o.outfile}`);
}
