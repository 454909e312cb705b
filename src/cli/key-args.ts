import { ChainsError } from '../core/errors.ts';
import { decodeKeyPem, KubeKeyError, loadPrivateKey, loadPublicKey, PKCS8_PEM_TYPE } from '../keys/index.ts';
import type { PrivateKeyMaterial, PublicKeyMaterial } from '../keys/index.ts';
import {
  keySecretData,
  loadSigner,
  SigningError,
  type Signer,
  type SignerName,
  type SigningSecretData,
} from '../signing/index.ts';
import { readInput, readPassword } from './io.ts';
import { readKubeKeys } from './kube-secrets.ts';

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
  return keySecretData(readInput(path, 'key'), () => readPassword(false));
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
