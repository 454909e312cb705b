import { existsSync } from 'node:fs';
import type { ConfigStore } from '../../config/store.ts';
import { SecretSignerSource, type SecretSignerSourceOptions } from '../../controller/signer-source.ts';
import { keySecretData, NO_SIGNER, type SignerName } from '../../signing/index.ts';
import { readInput, readPassword } from '../io.ts';

/**
 * The registry's signers over a cosign key file, as the `signing-secrets` Secret would hold it: `x509.pem` for a plain PKCS#8
 * key, else `cosign.key` + `cosign.password` (`given`, else COSIGN_PASSWORD, else a prompt on a terminal). A wrong password is
 * not fatal here: every signature then fails with the reason, and runs are retried and marked failed.
 */
export async function keyFileSigner(
  path: string,
  prompt: boolean,
  given?: Buffer,
  o: SecretSignerSourceOptions = {},
): Promise<SecretSignerSource> {
  const env = process.env.COSIGN_PASSWORD;
  const password = async (): Promise<Buffer> =>
    given ??
    (env !== undefined
      ? Buffer.from(env)
      : prompt && process.stdin.isTTY
        ? await readPassword(false)
        : Buffer.alloc(0));
  return new SecretSignerSource(await keySecretData(readInput(path, 'key'), password), o);
}

/**
 * Local mode and sign-run: the key file's signers, plus the keyless one when the config enables Fulcio (then the
 * key file may be absent: Chains takes the keyless path before looking for a key).
 */
export async function configuredSigner(
  keyPath: string,
  config: ConfigStore,
  prompt: boolean,
): Promise<SecretSignerSource> {
  const o: SecretSignerSourceOptions = { x509: () => config.current.signers.x509 };
  if (config.current.signers.x509.fulcio.enabled && !existsSync(keyPath))
    return new SecretSignerSource(undefined, o);
  return keyFileSigner(keyPath, prompt, undefined, o);
}

/** The signer whose key the console shows: the TaskRun one, `x509` when TaskRuns are not signed. */
export function consoleSigner(choice: SignerName | typeof NO_SIGNER): SignerName {
  return choice === NO_SIGNER ? 'x509' : choice;
}
