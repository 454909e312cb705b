import { execFile } from 'node:child_process';
import { z } from 'zod';
import { RegistryError } from './errors.ts';
import type { Credential } from './keychain.ts';

/**
 * Runs `docker-credential-<name> get` for a server URL; undefined when the helper has no credentials for it.
 * A seam so keychains built from untrusted documents (Kubernetes secrets) can have no helpers at all.
 */
export type CredentialHelperRunner = (name: string, serverUrl: string) => Promise<Credential | undefined>;

/** docker-credential-helpers' standard "not found" answer (credentials/error.go): not an error. */
const NOT_FOUND = 'credentials not found in native keychain';
/** Username a helper returns for an identity (refresh) token (docker/cli native_store.go). */
const TOKEN_USERNAME = '<token>';

const answer = z.object({
  ServerURL: z.string().optional(),
  Username: z.string().optional().default(''),
  Secret: z.string().optional().default(''),
});

export interface HelperRunnerOptions {
  /** environment of the helper process (its PATH finds it); the CLI passes its own */
  env?: NodeJS.ProcessEnv;
  /** default 60 s: `gcloud` and `ecr-login` helpers go to the network */
  timeoutMs?: number;
  /** how long an answer is reused (helpers hand out short-lived tokens); default 5 min */
  cacheMs?: number;
}

/** The helper's failure text for an error message: one line, bounded, and never something that parses as JSON. */
function failureText(stdout: string, stderr: string): string {
  const text = (stdout.trim() || stderr.trim()).split('\n')[0]?.trim() ?? '';
  if (!text || /^[{[]/.test(text)) return '';
  return `: ${text.slice(0, 200)}`;
}

/** One `get` round trip of the credential helper protocol (docker-credential-helpers client.Get). */
function runGet(name: string, serverUrl: string, o: HelperRunnerOptions): Promise<Credential | undefined> {
  const program = `docker-credential-${name}`;
  return new Promise((resolve, reject) => {
    const child = execFile(
      program,
      ['get'],
      { env: o.env ?? process.env, timeout: o.timeoutMs ?? 60_000, maxBuffer: 1 << 20 },
      (err, stdout, stderr) => {
        if (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code === 'ENOENT') {
            const msg = `credential helper ${program} not found on PATH (named by credHelpers/credsStore in the docker config)`;
            return reject(new RegistryError('CREDENTIAL_HELPER', msg));
          }
          if (stdout.trim() === NOT_FOUND) return resolve(undefined);
          const how = err.killed ? 'timed out' : `failed (exit ${String(code)})`;
          const msg = `credential helper ${program} ${how} for ${serverUrl}${failureText(stdout, stderr)}`;
          return reject(new RegistryError('CREDENTIAL_HELPER', msg));
        }
        try {
          resolve(parseAnswer(program, serverUrl, stdout));
        } catch (e) {
          reject(e as Error);
        }
      },
    );
    child.stdin?.on('error', () => undefined); // a helper that exits without reading stdin
    child.stdin?.end(serverUrl);
  });
}

/** `{ServerURL, Username, Secret}`; the answer's content never reaches an error message (it holds the secret). */
function parseAnswer(program: string, serverUrl: string, stdout: string): Credential | undefined {
  let parsed: z.infer<typeof answer>;
  try {
    parsed = answer.parse(JSON.parse(stdout));
  } catch {
    throw new RegistryError(
      'CREDENTIAL_HELPER',
      `credential helper ${program} answered ${serverUrl} with something other than {"ServerURL","Username","Secret"} JSON`,
    );
  }
  if (parsed.Username === TOKEN_USERNAME) return { kind: 'identityToken', token: parsed.Secret };
  if (!parsed.Username && !parsed.Secret) return undefined;
  return { kind: 'basic', username: parsed.Username, password: parsed.Secret };
}

/** Helper names come from config.json; a path separator would run a program outside PATH. */
function checkName(name: string): void {
  if (!name || /[/\\]/.test(name))
    throw new RegistryError('BAD_CONFIG', `credential helper name "${name}" must be a plain name`);
}

/** The real runner: spawns the helper, caches answers (found or not) for `cacheMs`; failures are not cached. */
export function credentialHelperRunner(o: HelperRunnerOptions = {}): CredentialHelperRunner {
  const cache = new Map<string, { at: number; value: Promise<Credential | undefined> }>();
  const ttl = o.cacheMs ?? 300_000;
  return (name, serverUrl) => {
    checkName(name);
    const key = `${name}\n${serverUrl}`;
    const hit = cache.get(key);
    if (hit && Date.now() - hit.at < ttl) return hit.value;
    const value = runGet(name, serverUrl, o);
    cache.set(key, { at: Date.now(), value });
    value.catch(() => cache.delete(key));
    return value;
  };
}
