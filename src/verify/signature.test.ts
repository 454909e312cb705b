import { readFileSync } from 'node:fs';
import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { VECTORS } from '../../test/setup/env.ts';
import { loadPublicKey, privateKeyMaterial } from '../keys/index.ts';
import { verifyBlob } from './blob.ts';
import { verifyDsse } from './dsse.ts';
import { decodeSignature, signatureBytes } from './signature.ts';

const DSSE = `${VECTORS}cosign-keys/dsse/`;
const ENVELOPES = [
  'slsa-provenance-v02',
  'empty-subject',
  'missing-sha256',
  'multiple-subjects',
  'multiple-subjects-invalid',
];
const pub = loadPublicKey(readFileSync(`${DSSE}cosign.pub`, 'utf8'));

function flip(b: Buffer, i: number): Buffer {
  const c = Buffer.from(b);
  c[i] = (c[i] ?? 0) ^ 0x01;
  return c;
}

describe('verifyDsse on cosign vectors (vectors README §2d)', () => {
  for (const name of ENVELOPES) {
    it(`${name}.dsse.json verifies with dsse/cosign.pub`, () => {
      const text = readFileSync(`${DSSE}${name}.dsse.json`, 'utf8');
      const payload = verifyDsse(text, pub, 'application/vnd.in-toto+json');
      expect(JSON.parse(payload.toString('utf8'))).toHaveProperty('_type');
    });
  }

  it('every single-byte change outside the keyid fails', () => {
    const bytes = readFileSync(`${DSSE}slsa-provenance-v02.dsse.json`);
    const text = bytes.toString('utf8');
    const keyidAt = text.indexOf('"keyid"');
    const keyidEnd = keyidAt < 0 ? -1 : text.indexOf(',', keyidAt);
    let checked = 0;
    for (let i = 0; i < bytes.length; i++) {
      if (i >= keyidAt && i < keyidEnd) continue;
      if (/\s/.test(text[i] ?? '')) continue; // JSON whitespace is not signed content
      expect(() => verifyDsse(flip(bytes, i), pub), `byte ${i}`).toThrow();
      checked++;
    }
    expect(checked).toBeGreaterThan(bytes.length - 120);
  });

  it('a different key fails with SIGNATURE_MISMATCH', () => {
    const other = privateKeyMaterial(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey);
    const text = readFileSync(`${DSSE}slsa-provenance-v02.dsse.json`, 'utf8');
    expect(() => verifyDsse(text, other.publicKey)).toThrow(
      expect.objectContaining({ code: 'SIGNATURE_MISMATCH' }),
    );
  });
});

describe('verifyBlob', () => {
  const key = privateKeyMaterial(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey);
  const blob = Buffer.from('hello blob\n');
  const sig = sign('sha256', blob, key.key);

  it('accepts the signature as bytes or base64', () => {
    expect(() => verifyBlob(key.publicKey, blob, sig)).not.toThrow();
    expect(() => verifyBlob(key.publicKey, blob, sig.toString('base64') + '\n')).not.toThrow();
  });

  it('fails when any byte of blob or signature changes', () => {
    for (let i = 0; i < blob.length; i++)
      expect(() => verifyBlob(key.publicKey, flip(blob, i), sig)).toThrow();
    for (let i = 0; i < sig.length; i++)
      expect(() => verifyBlob(key.publicKey, blob, flip(sig, i))).toThrow();
    const b64 = Buffer.from(sig.toString('base64'));
    for (let i = 0; i < b64.length; i++)
      expect(() => verifyBlob(key.publicKey, blob, flip(b64, i).toString('latin1'))).toThrow();
  });

  it('rejects non-base64 and non-canonical base64 with INVALID_SIGNATURE', () => {
    expect(() => decodeSignature('not base64!')).toThrow(
      expect.objectContaining({ code: 'INVALID_SIGNATURE' }),
    );
    expect(() => decodeSignature('QR==')).toThrow(/canonical/);
  });
});

describe('signatureBytes: the shapes cosign verify-blob reads', () => {
  const key = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const der = sign('sha256', Buffer.from('blob'), key.privateKey);
  const b64 = der.toString('base64');

  it('single-line base64 (with or without a newline), line-wrapped base64 (LF or CRLF), raw DER', () => {
    const wrapped = (b64.match(/.{1,16}/g) ?? []).join('\n');
    for (const shape of [b64, `${b64}\n`, wrapped, `${wrapped}\n`, wrapped.replace(/\n/g, '\r\n')])
      expect(signatureBytes(Buffer.from(shape)).equals(der), JSON.stringify(shape)).toBe(true);
    expect(signatureBytes(der).equals(der)).toBe(true);
    verifyBlob(privateKeyMaterial(key.privateKey).publicKey, Buffer.from('blob'), signatureBytes(wrapped));
  });

  it('non-canonical base64 is refused; empty input is refused; other bytes are taken as raw', () => {
    // "AB==" decodes to the same byte as the canonical "AA==" (unused bits set)
    expect(() => signatureBytes('AB==')).toThrow(expect.objectContaining({ code: 'INVALID_SIGNATURE' }));
    expect(() => signatureBytes(Buffer.alloc(0))).toThrow(
      expect.objectContaining({ code: 'INVALID_SIGNATURE' }),
    );
    expect(signatureBytes('not base64!').toString()).toBe('not base64!');
  });
});
