import { describeError } from '../core/errors.ts';
import { decodeKeyPem, PKCS8_PEM_TYPE } from '../keys/index.ts';
import { SigningError } from './errors.ts';
import type { SignerFactory, SigningSecretData } from './registry.ts';
import { KeySigner } from './signer.ts';

/**
 * Chains' `x509` signer: the key in `signing-secrets`, `x509.pem` (plain PKCS#8) first, else `cosign.key`
 * decrypted with `cosign.password` (https://tekton.dev/docs/chains/config/; pkg/chains/signing/x509/x509.go).
 */
export const x509Signer: SignerFactory = {
  name: 'x509',
  async load({ secret }) {
    if (!secret)
      throw new SigningError(
        'SIGNING_SECRET',
        'no signing secret: create signing-secrets with cosign.key and cosign.password (or x509.pem)',
      );
    const x509 = present(secret, 'x509.pem');
    const cosign = present(secret, 'cosign.key');
    try {
      if (x509) return await KeySigner.fromPem(x509, '');
      if (cosign) return await KeySigner.fromPem(cosign, secret['cosign.password'] ?? Buffer.alloc(0));
    } catch (e) {
      const which = x509 ? 'x509.pem' : 'cosign.key';
      throw new SigningError(
        'SIGNING_SECRET',
        `cannot load ${which} from the signing secret: ${describeError(e)}`,
        {
          cause: e,
        },
      );
    }
    throw new SigningError(
      'SIGNING_SECRET',
      'no valid private key found, looked for: [x509.pem, cosign.key]',
    );
  },
};

function present(secret: SigningSecretData, file: string): Buffer | undefined {
  const b = secret[file];
  return b && b.length ? b : undefined;
}

/**
 * The `signing-secrets` files a key file stands for, as this signer reads them: `x509.pem` for a plain PKCS#8 key,
 * else `cosign.key` and `cosign.password` (the password asked only then). The CLI's `--key` and local mode use it.
 */
export async function keySecretData(
  pem: Buffer,
  password: () => Promise<Buffer>,
): Promise<SigningSecretData> {
  if (decodeKeyPem(pem).type === PKCS8_PEM_TYPE) return { 'x509.pem': pem };
  return { 'cosign.key': pem, 'cosign.password': await password() };
}
