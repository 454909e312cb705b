import { createHash, sign as cryptoSign, verify as cryptoVerify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { ChainsError } from './errors.ts';

/**
 * Signed-note checkpoints as Rekor v1 writes them (https://github.com/sigstore/rekor/blob/main/openapi.yaml, C2SP tlog-checkpoint + signed-note):
 * "<origin>\n<size>\n<b64 root>\n[ext lines]\n" + "\n" + "— <name> <b64(4-byte key hint ‖ DER sig)>\n".
 */

export type CheckpointErrorCode = 'INVALID_CHECKPOINT' | 'CHECKPOINT_SIGNATURE';
export class CheckpointError extends ChainsError<CheckpointErrorCode> {}

export interface Checkpoint {
  origin: string;
  size: number;
  rootHash: Buffer;
  extensions: string[];
}

export interface NoteSignature {
  name: string;
  keyHint: Buffer;
  signature: Buffer;
}

export interface SignedCheckpoint extends Checkpoint {
  /** The signed text: everything up to and including the newline before the blank line. */
  text: string;
  signatures: NoteSignature[];
}

const SIG_LINE = /^\u2014 (\S+) ([A-Za-z0-9+/]+={0,2})$/;

/** Key hint = first 4 bytes of SHA-256(SPKI DER), equal to logID[0:4] (https://docs.sigstore.dev/ gotcha 5). */
export function keyHint(publicKey: KeyObject): Buffer {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest().subarray(0, 4);
}

/** The unsigned checkpoint text, each line newline-terminated. */
export function formatCheckpoint(c: Checkpoint): string {
  const ext = c.extensions.map((e) => `${e}\n`).join('');
  return `${c.origin}\n${c.size}\n${c.rootHash.toString('base64')}\n${ext}`;
}

/**
 * A signer of full signed notes for one key and signer name (ECDSA with SHA-256, or Ed25519). The name is checked
 * and the key hint computed once: exporting the key for its hint cost ≈ 1 ms per checkpoint.
 */
export function checkpointSigner(
  name: string,
  privateKey: KeyObject,
  publicKey: KeyObject,
): (c: Checkpoint) => string {
  if (/\s|\+/.test(name) || name === '')
    throw new CheckpointError('INVALID_CHECKPOINT', `invalid signer name "${name}"`);
  const hint = keyHint(publicKey);
  const alg = privateKey.asymmetricKeyType === 'ed25519' ? null : 'sha256';
  return (c) => {
    const text = formatCheckpoint(c);
    const sig = cryptoSign(alg, Buffer.from(text, 'utf8'), privateKey);
    return `${text}\n\u2014 ${name} ${Buffer.concat([hint, sig]).toString('base64')}\n`;
  };
}

/** Sign a checkpoint with an ECDSA (SHA-256) or Ed25519 key and return the full signed note. */
export function signCheckpoint(
  c: Checkpoint,
  name: string,
  privateKey: KeyObject,
  publicKey: KeyObject,
): string {
  return checkpointSigner(name, privateKey, publicKey)(c);
}

function parseBody(text: string): Checkpoint {
  const lines = text.split('\n');
  lines.pop(); // text ends in "\n"
  const [origin, sizeText, rootText, ...extensions] = lines;
  if (!origin) throw new CheckpointError('INVALID_CHECKPOINT', 'checkpoint origin is empty');
  if (sizeText === undefined || rootText === undefined)
    throw new CheckpointError('INVALID_CHECKPOINT', 'checkpoint header is too short');
  if (!/^(0|[1-9][0-9]*)$/.test(sizeText) || !Number.isSafeInteger(Number(sizeText)))
    throw new CheckpointError('INVALID_CHECKPOINT', `checkpoint size "${sizeText}" is not a decimal number`);
  const rootHash = Buffer.from(rootText, 'base64');
  if (rootHash.length !== 32 || rootHash.toString('base64') !== rootText)
    throw new CheckpointError('INVALID_CHECKPOINT', 'checkpoint root hash is not 32 bytes of base64');
  if (extensions.some((e) => e === ''))
    throw new CheckpointError('INVALID_CHECKPOINT', 'checkpoint has an empty extension line');
  return { origin, size: Number(sizeText), rootHash, extensions };
}

/** Parse a signed note (no signature check). Throws CheckpointError naming the defect. */
export function parseCheckpoint(envelope: string): SignedCheckpoint {
  const sep = envelope.indexOf('\n\n');
  if (sep < 0) throw new CheckpointError('INVALID_CHECKPOINT', 'checkpoint has no blank-line separator');
  const text = envelope.slice(0, sep + 1);
  const sigBlock = envelope.slice(sep + 2);
  if (!sigBlock.endsWith('\n'))
    throw new CheckpointError('INVALID_CHECKPOINT', 'checkpoint must end in a newline');
  const sigLines = sigBlock.slice(0, -1).split('\n');
  if (sigLines.length === 0 || sigLines[0] === '')
    throw new CheckpointError('INVALID_CHECKPOINT', 'checkpoint has no signature');
  const signatures = sigLines.map((line): NoteSignature => {
    const m = SIG_LINE.exec(line);
    const raw = m ? Buffer.from(m[2] ?? '', 'base64') : Buffer.alloc(0);
    if (!m || raw.length < 5)
      throw new CheckpointError('INVALID_CHECKPOINT', `malformed signature line "${line}"`);
    return { name: m[1] ?? '', keyHint: raw.subarray(0, 4), signature: raw.subarray(4) };
  });
  return { ...parseBody(text), text, signatures };
}

export interface CheckpointVerifyOptions {
  /** sigstore-js rule: the signer name must occur in the log's base URL. */
  baseUrl?: string;
  /** rekor-cli rule: reject when any signature line carries another key hint. */
  strict?: boolean;
}

/** Parse and verify a checkpoint against the log key; returns the checkpoint when a matching signature verifies. */
export function verifyCheckpoint(
  envelope: string,
  publicKey: KeyObject,
  opts: CheckpointVerifyOptions = {},
): SignedCheckpoint {
  const cp = parseCheckpoint(envelope);
  const hint = keyHint(publicKey);
  const alg = publicKey.asymmetricKeyType === 'ed25519' ? null : 'sha256';
  if (opts.strict && cp.signatures.some((s) => !s.keyHint.equals(hint)))
    throw new CheckpointError('CHECKPOINT_SIGNATURE', 'checkpoint carries a signature from an unknown key');
  const ok = cp.signatures.some(
    (s) =>
      s.keyHint.equals(hint) &&
      (opts.baseUrl === undefined || opts.baseUrl.includes(s.name)) &&
      safeVerify(alg, Buffer.from(cp.text, 'utf8'), publicKey, s.signature),
  );
  if (!ok) throw new CheckpointError('CHECKPOINT_SIGNATURE', 'no valid checkpoint signature by the log key');
  return cp;
}

function safeVerify(alg: string | null, data: Buffer, key: KeyObject, sig: Buffer): boolean {
  try {
    return cryptoVerify(alg, data, key, sig);
  } catch {
    return false;
  }
}
