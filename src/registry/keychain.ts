import { z } from 'zod';
import { fromBase64 } from '../core/encoding.ts';
import { RegistryError } from './errors.ts';
import { DOCKER_HUB } from './reference.ts';

/** What a keychain can hand out for a registry (docker config.json semantics). */
export type Credential =
  | { kind: 'basic'; username: string; password: string }
  /** an OAuth2 refresh token (`identitytoken`), exchanged at the token endpoint */
  | { kind: 'identityToken'; token: string }
  /** a ready bearer token (`registrytoken`) */
  | { kind: 'registryToken'; token: string };

/** Resolves credentials for a registry host; the controller adds Kubernetes dockerconfigjson secrets. */
export interface Keychain {
  resolve(registry: string): Promise<Credential | undefined>;
}

export const anonymous: Keychain = { resolve: async () => undefined };

/** First keychain that knows the registry wins (ggcr authn.NewMultiKeychain). */
export function multiKeychain(...chains: Keychain[]): Keychain {
  return {
    async resolve(registry) {
      for (const k of chains) {
        const c = await k.resolve(registry);
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

const authEntry = z.object({
  auth: z.string().optional(),
  username: z.string().optional(),
  password: z.string().optional(),
  identitytoken: z.string().optional(),
  registrytoken: z.string().optional(),
});
const dockerConfigSchema = z.object({ auths: z.record(z.string(), authEntry).optional() }).loose();

/** `https://index.docker.io/v1/`, `docker.io`, `host:port/path` -> comparable host key. */
export function normaliseAuthKey(key: string): string {
  const host = key
    .replace(/^[a-z]+:\/\//i, '')
    .split('/')[0]!
    .toLowerCase();
  return host === 'docker.io' || host === 'registry-1.docker.io' ? DOCKER_HUB : host;
}

function entryToCredential(key: string, e: z.infer<typeof authEntry>): Credential | undefined {
  if (e.registrytoken) return { kind: 'registryToken', token: e.registrytoken };
  if (e.identitytoken) return { kind: 'identityToken', token: e.identitytoken };
  if (e.auth) {
    const text = fromBase64(e.auth, `auths["${key}"].auth`).toString('utf8');
    const i = text.indexOf(':');
    if (i < 0) throw new RegistryError('BAD_CONFIG', `auths["${key}"].auth must encode "user:password"`);
    return { kind: 'basic', username: text.slice(0, i), password: text.slice(i + 1) };
  }
  if (e.username !== undefined) return { kind: 'basic', username: e.username, password: e.password ?? '' };
  return undefined;
}

/**
 * Keychain over a docker `config.json` / Kubernetes `.dockerconfigjson` document (`auths` map; `auth` is
 * base64 "user:password"; `identitytoken` is a refresh token). Malformed input fails with BAD_CONFIG.
 */
export function dockerConfigKeychain(text: string, source = 'docker config.json'): Keychain {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new RegistryError('BAD_CONFIG', `${source} is not valid JSON: ${(e as Error).message}`, {
      cause: e,
    });
  }
  const parsed = dockerConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new RegistryError('BAD_CONFIG', `${source}: ${issue?.path.join('.')}: ${issue?.message}`);
  }
  const table = new Map<string, Credential>();
  for (const [key, entry] of Object.entries(parsed.data.auths ?? {})) {
    try {
      const c = entryToCredential(key, entry);
      if (c) table.set(normaliseAuthKey(key), c);
    } catch (e) {
      if (e instanceof RegistryError) throw e;
      throw new RegistryError('BAD_CONFIG', `${source}: ${(e as Error).message}`, { cause: e });
    }
  }
  return { resolve: async (registry) => table.get(normaliseAuthKey(registry)) };
}

/**
 * Keychain from a Kubernetes image-pull secret: `kubernetes.io/dockerconfigjson` (`.dockerconfigjson`, an `auths`
 * document) or the older `kubernetes.io/dockercfg` (`.dockercfg`, the bare map of registry to entry).
 */
export function kubernetesSecretKeychain(
  type: 'kubernetes.io/dockerconfigjson' | 'kubernetes.io/dockercfg',
  text: string,
  source = 'image pull secret',
): Keychain {
  if (type === 'kubernetes.io/dockerconfigjson') return dockerConfigKeychain(text, source);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new RegistryError('BAD_CONFIG', `${source} is not valid JSON: ${(e as Error).message}`, {
      cause: e,
    });
  }
  return dockerConfigKeychain(JSON.stringify({ auths: raw }), source);
}
