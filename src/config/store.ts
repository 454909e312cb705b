import { describeError } from '../core/errors.ts';
import { parseConfig, type ConfigData } from './parse.ts';
import type { ChainsConfig } from './types.ts';

export type ConfigListener = (cfg: ChainsConfig) => void;

/**
 * Holds the current config. `update` parses a new data map: valid → swap and notify; invalid → keep the
 * previous config and report why (Chains logs and ignores a bad edit after startup, https://tekton.dev/docs/chains/config/).
 */
export class ConfigStore {
  #current: ChainsConfig;
  readonly #listeners = new Set<ConfigListener>();

  constructor(
    initial: ChainsConfig,
    private readonly log: (msg: string) => void = () => undefined,
  ) {
    this.#current = initial;
  }

  get current(): ChainsConfig {
    return this.#current;
  }

  /** Returns true when the new data was applied. */
  update(data: ConfigData, source = 'chains-config'): boolean {
    let next: ChainsConfig;
    try {
      next = parseConfig(data);
    } catch (e) {
      this.log(`ignoring invalid ${source}, keeping the previous config: ${describeError(e)}`);
      return false;
    }
    this.#current = next;
    for (const l of this.#listeners) l(next);
    return true;
  }

  onChange(l: ConfigListener): () => void {
    this.#listeners.add(l);
    return () => this.#listeners.delete(l);
  }
}
