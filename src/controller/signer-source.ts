import { describeError } from '../core/errors.ts';
import { KeySigner, type Signer } from '../signing/index.ts';
import { ControllerError } from './errors.ts';
import type { SignerSource } from './ports.ts';

/** A fixed signer (tests, benchmarks, `sign-run` with an already loaded key). */
export function staticSigner(signer: Signer): SignerSource {
  return { current: async () => signer };
}

/** The files Chains reads from the `signing-secrets` Secret (chains.md §1.2, §4.1). */
export type SigningSecretData = Readonly<Record<string, Buffer | undefined>>;

/**
 * Signer from `signing-secrets` contents: `x509.pem` (plain PKCS#8) first, else `cosign.key` decrypted with
 * `cosign.password`. The key is decrypted once per secret version (scrypt is slow); `update` swaps the secret
 * and the next signature uses the new key. A failure (wrong password, no key) rejects every signature with the
 * reason, which the orchestrator records on the run.
 */
export class SecretSignerSource implements SignerSource {
  #data: SigningSecretData | undefined;
  #loaded: Promise<Signer> | undefined;

  constructor(data?: SigningSecretData) {
    this.#data = data;
  }

  update(data: SigningSecretData | undefined): void {
    this.#data = data;
    this.#loaded = undefined;
  }

  current(): Promise<Signer> {
    if (!this.#loaded) {
      const p = load(this.#data);
      // a failed load is not cached: the next attempt (after a secret fix) tries again
      p.catch(() => {
        if (this.#loaded === p) this.#loaded = undefined;
      });
      this.#loaded = p;
    }
    return this.#loaded;
  }
}

async function load(data: SigningSecretData | undefined): Promise<Signer> {
  if (!data)
    throw new ControllerError(
      'SIGNING_SECRET',
      'no signing secret: create signing-secrets with cosign.key and cosign.password (or x509.pem)',
    );
  const x509 = data['x509.pem'];
  const cosign = data['cosign.key'];
  try {
    if (x509 && x509.length) return await KeySigner.fromPem(x509, '');
    if (cosign && cosign.length)
      return await KeySigner.fromPem(cosign, data['cosign.password'] ?? Buffer.alloc(0));
  } catch (e) {
    const which = x509 && x509.length ? 'x509.pem' : 'cosign.key';
    throw new ControllerError(
      'SIGNING_SECRET',
      `cannot load ${which} from the signing secret: ${describeError(e)}`,
      { cause: e },
    );
  }
  throw new ControllerError(
    'SIGNING_SECRET',
    'no valid private key found, looked for: [x509.pem, cosign.key]',
  );
}
