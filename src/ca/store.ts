import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasCode } from '../core/errors.ts';
import { encryptPrivateKey, loadPrivateKey, PKCS8_PEM_TYPE } from '../keys/index.ts';
import { CaError } from './errors.ts';
import {
  CA_KEY_USAGE,
  authorityKeyId,
  basicConstraints,
  codeSigningEku,
  keyUsage,
  subjectKeyId,
} from './extensions.ts';
import { certificatePem, keyIdentifier, nameFrom, randomSerial, signCertificate, signerFor } from './x509.ts';
import type { CaSigner } from './x509.ts';

// DIR layout: root.pem, intermediate.pem (certificates), root-key.pem, intermediate-key.pem (0600: an
// `ENCRYPTED SIGSTORE PRIVATE KEY` cosign envelope when a password is given, else plain PKCS#8).
const FILES = ['root.pem', 'intermediate.pem', 'root-key.pem', 'intermediate-key.pem'] as const;

export interface CaMaterial {
  rootDer: Buffer;
  intermediateDer: Buffer;
  /** Signs leaves (the intermediate's key). */
  signer: CaSigner;
  /** SKI of the intermediate (the leaves' AKI). */
  intermediateSki: Buffer;
}

export interface InitOptions {
  /** Encrypts the keys when set and not empty. */
  password?: string;
  /** Key curve; default P-384 (Fulcio's public-good CA). */
  curve?: 'P-256' | 'P-384';
  organization?: string;
}

const TEN_YEARS_MS = 10 * 365.25 * 24 * 3600 * 1000;

function writeAtomic(path: string, data: string, mode: number): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data, { mode, flag: 'wx' });
  chmodSync(tmp, mode); // the umask may have narrowed or widened nothing else: set exactly
  renameSync(tmp, path);
}

async function keyFile(key: KeyObject, password: string | undefined): Promise<string> {
  if (password) return encryptPrivateKey(key, password);
  return key.export({ type: 'pkcs8', format: 'pem' }).toString();
}

function caCerts(
  curve: 'P-256' | 'P-384',
  org: string,
): { root: KeyObject; inter: KeyObject; rootDer: Buffer; interDer: Buffer } {
  const root = generateKeyPairSync('ec', { namedCurve: curve });
  const inter = generateKeyPairSync('ec', { namedCurve: curve });
  const rootSpki = root.publicKey.export({ type: 'spki', format: 'der' });
  const interSpki = inter.publicKey.export({ type: 'spki', format: 'der' });
  const rootSki = keyIdentifier(rootSpki);
  const notBefore = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
  const notAfter = new Date(notBefore.getTime() + TEN_YEARS_MS);
  const rootName = nameFrom(`O=${org}, CN=${org}-root`);
  // root: certSign+cRLSign, CA pathlen 1, SKI, AKI = SKI (https://github.com/sigstore/fulcio/blob/main/docs/certificate-specification.md)
  const rootDer = signCertificate(
    {
      serial: randomSerial(),
      issuer: rootName,
      subject: rootName,
      notBefore,
      notAfter,
      spki: rootSpki,
      extensions: [
        keyUsage(CA_KEY_USAGE),
        basicConstraints(1),
        subjectKeyId(rootSki),
        authorityKeyId(rootSki),
      ],
    },
    signerFor(root.privateKey),
  );
  // intermediate: certSign+cRLSign, EKU codeSigning, CA pathlen 0 (Fulcio's public-good intermediate)
  const interDer = signCertificate(
    {
      serial: randomSerial(),
      issuer: rootName,
      subject: nameFrom(`O=${org}, CN=${org}-intermediate`),
      notBefore,
      notAfter,
      spki: interSpki,
      extensions: [
        keyUsage(CA_KEY_USAGE),
        codeSigningEku(),
        basicConstraints(0),
        subjectKeyId(keyIdentifier(interSpki)),
        authorityKeyId(rootSki),
      ],
    },
    signerFor(root.privateKey),
  );
  return { root: root.privateKey, inter: inter.privateKey, rootDer, interDer };
}

/** Create the root and intermediate in an empty dir; refuses a dir that already holds any CA file. */
export async function initCa(dir: string, o: InitOptions = {}): Promise<void> {
  const present = FILES.filter((f) => existsSync(join(dir, f)));
  if (present.length > 0) throw new CaError('CA_STATE', `${dir} already holds a CA (${present.join(', ')})`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const c = caCerts(o.curve ?? 'P-384', o.organization ?? 'chains');
  writeAtomic(join(dir, 'root-key.pem'), await keyFile(c.root, o.password), 0o600);
  writeAtomic(join(dir, 'intermediate-key.pem'), await keyFile(c.inter, o.password), 0o600);
  writeAtomic(join(dir, 'root.pem'), certificatePem(c.rootDer), 0o644);
  // the intermediate certificate is written last: its presence means the CA is complete
  writeAtomic(join(dir, 'intermediate.pem'), certificatePem(c.interDer), 0o644);
}

function readCert(path: string): Buffer {
  try {
    return new X509Certificate(readFileSync(path)).raw;
  } catch (e) {
    throw new CaError('CA_STATE', `cannot read certificate ${path}`, { cause: e });
  }
}

/** Load the CA of dir (the intermediate signs); a dir with no CA at all is initialised first when `init`. */
export async function loadCa(dir: string, o: InitOptions & { init?: boolean } = {}): Promise<CaMaterial> {
  const present = FILES.filter((f) => existsSync(join(dir, f)));
  if (present.length === 0 && o.init) await initCa(dir, o);
  else if (present.length < FILES.length)
    throw new CaError(
      'CA_STATE',
      `${dir} is not a complete CA directory (run chains ca init); missing ${FILES.filter((f) => !present.includes(f)).join(', ')}`,
    );
  const rootDer = readCert(join(dir, 'root.pem'));
  const intermediateDer = readCert(join(dir, 'intermediate.pem'));
  const text = readFileSync(join(dir, 'intermediate-key.pem'), 'utf8');
  if (!text.includes(`BEGIN ${PKCS8_PEM_TYPE}`) && !o.password)
    throw new CaError('CA_PASSWORD', 'the CA key is encrypted: set CHAINS_CA_PASSWORD');
  let key: KeyObject;
  try {
    key = (await loadPrivateKey(text, o.password ?? '')).key;
  } catch (e) {
    if (hasCode(e, 'WRONG_PASSWORD'))
      throw new CaError('CA_PASSWORD', 'the CA key password is wrong', { cause: e });
    throw new CaError('CA_STATE', `cannot read the CA key in ${dir}`, { cause: e });
  }
  const inter = new X509Certificate(intermediateDer);
  if (!inter.checkPrivateKey(key))
    throw new CaError('CA_STATE', `the intermediate key in ${dir} does not match its certificate`);
  const spki = inter.publicKey.export({ type: 'spki', format: 'der' });
  return { rootDer, intermediateDer, signer: signerFor(key), intermediateSki: keyIdentifier(spki) };
}
