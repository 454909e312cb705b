import { loadSigner, type Signer, type SignerName, type SigningSecretData } from '../signing/index.ts';
import type { SignerSource } from './ports.ts';

export type { SigningSecretData } from '../signing/index.ts';

/** A fixed signer for every name (tests, benchmarks, `sign-run` with an already loaded key). */
export function staticSigner(signer: Signer): SignerSource {
  const p = Promise.resolve(signer);
  return { current: () => p };
}

/**
 * The registry's signers over the `signing-secrets` contents, each built on first use and kept (scrypt is slow);
 * `update` swaps the secret and the next signature uses the new key. A failure (wrong password, no key) rejects
 * every signature with the reason, which the orchestrator records on the run.
 */
export class SecretSignerSource implements SignerSource {
  #data: SigningSecretData | undefined;
  readonly #loaded = new Map<SignerName, Promise<Signer>>();

  constructor(data?: SigningSecretData) {
    this.#data = data;
  }

  update(data: SigningSecretData | undefined): void {
    this.#data = data;
    this.#loaded.clear();
  }

  current(name: SignerName): Promise<Signer> {
    const have = this.#loaded.get(name);
    if (have) return have;
    const p = loadSigner(name, { secret: this.#data });
    // a failed load is not cached: the next attempt (after a secret fix) tries again
    p.catch(() => {
      if (this.#loaded.get(name) === p) this.#loaded.delete(name);
    });
    this.#loaded.set(name, p);
    return p;
  }
}
