import { CoreError } from './errors.ts';

const B64 = /^[A-Za-z0-9+/]*={0,2}$/;
const B64URL = /^[A-Za-z0-9_-]*={0,2}$/;
const HEX = /^(?:[0-9a-fA-F]{2})*$/;

/** Standard base64 with padding (Go's base64.StdEncoding). */
export function toBase64(data: Uint8Array | string): string {
  return Buffer.from(typeof data === 'string' ? Buffer.from(data, 'utf8') : data).toString('base64');
}

/** Strict standard-base64 decode: rejects characters Node would silently skip. */
export function fromBase64(text: string, what = 'value'): Buffer {
  const t = text.trim();
  if (!B64.test(t) || t.length % 4 !== 0) {
    throw new CoreError('INVALID_BASE64', `${what} is not valid base64`);
  }
  return Buffer.from(t, 'base64');
}

/** Lenient decoder accepting std or url alphabets, padded or not (DSSE allows both). */
export function fromBase64Any(text: string, what = 'value'): Buffer {
  const t = text.trim();
  if (!B64.test(t) && !B64URL.test(t)) throw new CoreError('INVALID_BASE64', `${what} is not valid base64`);
  if (t.length % 4 === 1) throw new CoreError('INVALID_BASE64', `${what} has an invalid base64 length`);
  return Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

export function fromHex(text: string, what = 'value'): Buffer {
  if (!HEX.test(text)) throw new CoreError('INVALID_HEX', `${what} is not valid hex`);
  return Buffer.from(text, 'hex');
}

export interface PemBlock {
  type: string;
  headers: Record<string, string>;
  bytes: Buffer;
}

const PEM_RE = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g;

/** Decode every PEM block in `text` (RFC 7468), keeping Go-style headers. */
export function decodePemAll(text: string): PemBlock[] {
  const out: PemBlock[] = [];
  for (const m of text.matchAll(PEM_RE)) {
    const type = m[1] ?? '';
    const lines = (m[2] ?? '').split(/\r?\n/);
    const headers: Record<string, string> = {};
    let i = 0;
    if (lines.some((l) => l.includes(':'))) {
      for (; i < lines.length && (lines[i] ?? '').includes(':'); i++) {
        const [k, ...v] = (lines[i] ?? '').split(':');
        headers[(k ?? '').trim()] = v.join(':').trim();
      }
    }
    const body = lines.slice(i).join('').trim();
    out.push({ type, headers, bytes: fromBase64(body, `PEM block ${type}`) });
  }
  return out;
}

/** Decode the first PEM block; throws INVALID_PEM when there is none. */
export function decodePem(text: string): PemBlock {
  const [first] = decodePemAll(text);
  if (!first) throw new CoreError('INVALID_PEM', 'invalid pem block');
  return first;
}

/** Encode as Go's pem.EncodeToMemory does: 64-column base64 lines, trailing newline. */
export function encodePem(type: string, bytes: Uint8Array): string {
  const b64 = toBase64(bytes);
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${type}-----\n${lines.join('\n')}${lines.length ? '\n' : ''}-----END ${type}-----\n`;
}
