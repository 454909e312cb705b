import { z } from 'zod';
import { fromBase64 } from '../core/encoding.ts';
import type { CredentialHelperRunner } from './cred-helper.ts';
import { RegistryError } from './errors.ts';
import { normaliseAuthKey, type Credential, type Keychain } from './keychain.ts';
import { DOCKER_HUB } from './reference.ts';

/** The key docker and ggcr use for Docker Hub (authn.DefaultAuthKey). */
const DOCKER_HUB_AUTH_KEY = 'https://index.docker.io/v1/';

const authEntry = z.object({
  auth: z.string().optional(),
  username: z.string().optional(),
  password: z.string().optional(),
  identitytoken: z.string().optional(),
  registrytoken: z.string().optional(),
});
type AuthEntry = z.infer<typeof authEntry>;

// Go's encoding/json matches field names case-insensitively; docker accepts `"auths": null` (a nil map)
const lowerKeys = (v: unknown): unknown =>
  v && typeof v === 'object' && !Array.isArray(v)
    ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k.toLowerCase(), x]))
    : v;
const dockerConfigSchema = z
  .object({
    auths: z.record(z.string(), z.preprocess(lowerKeys, authEntry)).nullish(),
    credHelpers: z.record(z.string(), z.string()).nullish(),
    credsStore: z.string().nullish(),
  })
  .loose();

/**
 * docker/cli decodeAuth: Go's base64 decoder skips CR and LF, the user part must not be empty, NULs are
 * trimmed from the password.
 */
function decodeAuth(key: string, auth: string): Credential {
  const text = fromBase64(auth.replace(/[\r\n]/g, ''), `auths["${key}"].auth`).toString('utf8');
  const i = text.indexOf(':');
  if (i <= 0) throw new RegistryError('BAD_CONFIG', `auths["${key}"].auth must encode "user:password"`);
  return { kind: 'basic', username: text.slice(0, i), password: text.slice(i + 1).replace(/^\0+|\0+$/g, '') };
}

function entryToCredential(key: string, e: AuthEntry): Credential | undefined {
  if (e.registrytoken) return { kind: 'registryToken', token: e.registrytoken };
  if (e.identitytoken) return { kind: 'identityToken', token: e.identitytoken };
  if (e.auth) return decodeAuth(key, e.auth);
  if (e.username) return { kind: 'basic', username: e.username, password: e.password ?? '' };
  return undefined;
}

function parseDocument(text: string, source: string): z.infer<typeof dockerConfigSchema> {
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
  return parsed.data;
}

/** `auths` as docker's file store reads it: exact keys, and keys reduced to their host (ConvertToHostname). */
interface AuthTable {
  exact: Map<string, Credential | undefined>;
  byHost: Map<string, Credential | undefined>;
}

function authTable(auths: Record<string, AuthEntry>, source: string): AuthTable {
  const table: AuthTable = { exact: new Map(), byHost: new Map() };
  for (const [key, entry] of Object.entries(auths)) {
    let c: Credential | undefined;
    try {
      c = entryToCredential(key, entry);
    } catch (e) {
      if (e instanceof RegistryError) throw e;
      throw new RegistryError('BAD_CONFIG', `${source}: ${(e as Error).message}`, { cause: e });
    }
    table.exact.set(key, c);
    const host = normaliseAuthKey(key);
    if (!table.byHost.has(host)) table.byHost.set(host, c);
  }
  return table;
}

export interface DockerConfigKeychainOptions {
  /** runs `credHelpers` / `credsStore`; without it they are ignored (a Kubernetes secret never runs a program) */
  helpers?: CredentialHelperRunner;
}

/**
 * Keychain over a docker `config.json` / Kubernetes `.dockerconfigjson` document, resolved as ggcr's default
 * keychain over docker/cli's config file: keys `host/repository` then `host` (Docker Hub: its v1 URL); for
 * each, a credential helper when `credHelpers` names one for the key or `credsStore` is set, else `auths`.
 * Malformed input fails with BAD_CONFIG; a failing helper with CREDENTIAL_HELPER.
 */
export function dockerConfigKeychain(
  text: string,
  source = 'docker config.json',
  opts: DockerConfigKeychainOptions = {},
): Keychain {
  const doc = parseDocument(text, source);
  const table = authTable(doc.auths ?? {}, source);
  const helperFor = (key: string, hostKey: boolean): string | undefined => {
    if (!opts.helpers) return undefined;
    const named = doc.credHelpers ?? {};
    const byHost = hostKey
      ? Object.entries(named).find(([k]) => normaliseAuthKey(k) === normaliseAuthKey(key))?.[1]
      : undefined;
    return named[key] ?? byHost ?? (doc.credsStore || undefined);
  };
  const lookup = async (key: string, hostKey: boolean): Promise<Credential | undefined> => {
    const helper = helperFor(key, hostKey);
    if (helper && opts.helpers) return opts.helpers(helper, key);
    if (table.exact.has(key)) return table.exact.get(key);
    return hostKey ? table.byHost.get(normaliseAuthKey(key)) : undefined;
  };
  return {
    async resolve(registry, repository) {
      const hostKey = normaliseAuthKey(registry) === DOCKER_HUB ? DOCKER_HUB_AUTH_KEY : registry;
      if (repository) {
        const c = await lookup(`${registry}/${repository}`, false);
        if (c) return c;
      }
      return lookup(hostKey, true);
    },
  };
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
