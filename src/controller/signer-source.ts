import {
  isExpiring,
  loadSigner,
  type Signer,
  type SignerName,
  type SigningSecretData,
  type X509SignerOptions,
} from '../signing/index.ts';
import type { SignerSource } from './ports.ts';

export type { SigningSecretData } from '../signing/index.ts';

/** A fixed signer for every name (tests, benchmarks, `sign-run` with an already loaded key). */
export function staticSigner(signer: Signer): SignerSource {
  const p = Promise.resolve(signer);
  return { current: () => p };
}

export interface SecretSignerSourceOptions {
  /** `signers.x509.*` of the current chains-config (the keyless signer's settings) */
  x509?: () => X509SignerOptions | undefined;
  /** most time before notAfter a certificate is renewed (default 2 minutes; never more than a third of its life) */
  renewBeforeMs?: number;
  now?: () => number;
}

interface Loaded {
  promise: Promise<Signer>;
  /** the settings it was built from: other settings build anew */
  context: string;
  signer?: Signer;
}

const DEFAULT_RENEW_BEFORE_MS = 120_000;

/**
 * The registry's signers over the `signing-secrets` contents, each built on first use and kept (scrypt is slow);
 * `update` swaps the secret and the next signature uses the new key. A failure (wrong password, no key, CA down,
 * expired token) rejects every signature with the reason, which the orchestrator records on the run. A keyless
 * signer serves every run until its certificate nears notAfter; then a new key is certified (with the token as
 * its file holds it then) and the old key dropped.
 */
export class SecretSignerSource implements SignerSource {
  #data: SigningSecretData | undefined;
  readonly #loaded = new Map<SignerName, Loaded>();
  readonly #o: SecretSignerSourceOptions;
  /** certificates obtained so far (keyless) */
  issued = 0;

  constructor(data?: SigningSecretData, o: SecretSignerSourceOptions = {}) {
    this.#data = data;
    this.#o = o;
  }

  update(data: SigningSecretData | undefined): void {
    this.#data = data;
    for (const l of this.#loaded.values()) retire(l);
    this.#loaded.clear();
  }

  current(name: SignerName): Promise<Signer> {
    const x509 = name === 'fulcio' ? this.#o.x509?.() : undefined;
    const context = x509 ? JSON.stringify(x509) : '';
    const have = this.#loaded.get(name);
    if (have && have.context === context && (!have.signer || this.#fresh(have.signer))) return have.promise;
    if (have) retire(have);
    const now = this.#o.now ?? Date.now;
    const loaded: Loaded = {
      context,
      promise: loadSigner(name, { secret: this.#data, ...(x509 ? { x509 } : {}), now }),
    };
    loaded.promise.then(
      (s) => {
        loaded.signer = s;
        if (isExpiring(s)) this.issued++;
      },
      // a failed load is not cached: the next attempt (after a fix, a fresh token, the CA back) tries again
      () => {
        if (this.#loaded.get(name) === loaded) this.#loaded.delete(name);
      },
    );
    this.#loaded.set(name, loaded);
    return loaded.promise;
  }

  /** A key signer always; a certified one until a third of its life (at most renewBeforeMs) is left. */
  #fresh(s: Signer): boolean {
    if (!isExpiring(s)) return true;
    const life = s.notAfter.getTime() - s.notBefore.getTime();
    const margin = Math.min(this.#o.renewBeforeMs ?? DEFAULT_RENEW_BEFORE_MS, life / 3);
    return (this.#o.now ?? Date.now)() < s.notAfter.getTime() - margin;
  }
}

/**
 * A replaced certified key is dropped when its certificate expires, not at once: a worker that took it just
 * before the renewal still signs (inside the margin), and nothing can sign with it after notAfter.
 */
function retire(l: Loaded): void {
  const s = l.signer;
  if (!s || !isExpiring(s)) return;
  const left = s.notAfter.getTime() - Date.now();
  if (left <= 0) return s.drop();
  setTimeout(() => s.drop(), Math.min(left, 2 ** 31 - 1)).unref();
}
