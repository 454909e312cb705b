import { DOCKER_HUB } from './reference.ts';

/** What a keychain can hand out for a registry (docker config.json semantics). */
export type Credential =
  | { kind: 'basic'; username: string; password: string }
  /** an OAuth2 refresh token (`identitytoken`), exchanged at the token endpoint */
  | { kind: 'identityToken'; token: string }
  /** a ready bearer token (`registrytoken`) */
  | { kind: 'registryToken'; token: string };

/**
 * Resolves credentials for a registry host; the controller adds Kubernetes dockerconfigjson secrets.
 * `repository` (the path below the host) lets a keychain match repository-specific keys first, as ggcr's
 * default keychain does (`host/repo`, then `host`).
 */
export interface Keychain {
  resolve(registry: string, repository?: string): Promise<Credential | undefined>;
}

export const anonymous: Keychain = { resolve: async () => undefined };

/** First keychain that knows the registry wins (ggcr authn.NewMultiKeychain). */
export function multiKeychain(...chains: Keychain[]): Keychain {
  return {
    async resolve(registry, repository) {
      for (const k of chains) {
        const c = await k.resolve(registry, repository);
        if (c) return c;
      }
      return undefined;
    },
  };
}

/** Fixed credentials for one registry (CLI --registry-username/--registry-password). */
export function staticKeychain(registry: string, cred: Credential): Keychain {
  const want = normaliseAuthKey(registry);
  return { resolve: async (r) => (normaliseAuthKey(r) === want ? cred : undefined) };
}

/** `https://index.docker.io/v1/`, `docker.io`, `host:port/path` -> comparable host key. */
export function normaliseAuthKey(key: string): string {
  const host = key
    .replace(/^[a-z]+:\/\//i, '')
    .split('/')[0]!
    .toLowerCase();
  return host === 'docker.io' || host === 'registry-1.docker.io' ? DOCKER_HUB : host;
}
