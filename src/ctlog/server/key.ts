import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { CtLogError } from './errors.ts';

/** The CT log's ECDSA P-256 key (what Sigstore's CT logs use): generated 0600 on first start, never printed. */
export function loadOrCreateCtKey(path: string): KeyObject {
  if (!existsSync(path)) {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileSync(path, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(readFileSync(path));
  } catch (e) {
    // the message names the file, never its content
    throw new CtLogError('CT_LOG_KEY', `cannot read the CT log key ${path}`, { cause: e });
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
    throw new CtLogError('CT_LOG_KEY', `CT log key ${path} must be ECDSA P-256`);
  return key;
}
