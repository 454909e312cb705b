import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileDurably } from '../../core/durable-file.ts';
import { ChainsError } from '../../core/errors.ts';

/** The log's signing identity: ECDSA P-256 (cosign and sigstore-go only accept ECDSA SETs, https://docs.sigstore.dev/). */
export interface LogKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** Hex SHA-256 of the SPKI DER: Rekor's logID. */
  logId: string;
  publicKeyPem: string;
}

function logKeyFrom(privateKey: KeyObject): LogKey {
  const publicKey = createPublicKey(privateKey);
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return {
    privateKey,
    publicKey,
    logId: createHash('sha256').update(der).digest('hex'),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/**
 * Load a PEM private key, or generate a P-256 key there (mode 0600) when the file does not exist. The new key is
 * on disk before the log signs anything with it: a power cut must not leave checkpoints signed by a lost key.
 */
export function loadOrCreateLogKey(path: string): LogKey {
  if (!existsSync(path)) {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    mkdirSync(dirname(path), { recursive: true });
    writeFileDurably(path, privateKey.export({ type: 'pkcs8', format: 'pem' }), 0o600);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(readFileSync(path));
  } catch (e) {
    throw new ChainsError('TLOG_KEY', `cannot read log key ${path}: ${(e as Error).message}`, { cause: e });
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
    throw new ChainsError('TLOG_KEY', `log key ${path} must be ECDSA P-256`);
  return logKeyFrom(key);
}
