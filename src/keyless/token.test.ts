import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveIdentityToken } from './token.ts';

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln';
const OTHER = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ5In0.c2ln';
const coded = (code: string) => expect.objectContaining({ code });

describe('the identity token, as cosign reads it (options/fulcio.go ReadIdentityToken)', () => {
  it('--identity-token is the token text itself', () => {
    expect(resolveIdentityToken(TOKEN, {})).toBe(TOKEN);
  });

  it('--identity-token naming a file reads the token from it (trailing newline dropped)', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'token-')), 'oidc-token');
    writeFileSync(file, `${TOKEN}\n`);
    expect(resolveIdentityToken(file, {})).toBe(TOKEN);
  });

  it('without the flag, SIGSTORE_ID_TOKEN; the flag wins over it', () => {
    expect(resolveIdentityToken(undefined, { SIGSTORE_ID_TOKEN: TOKEN })).toBe(TOKEN);
    expect(resolveIdentityToken(OTHER, { SIGSTORE_ID_TOKEN: TOKEN })).toBe(OTHER);
  });

  it('no token anywhere, or one that is not a compact JWS: KEYLESS_TOKEN', () => {
    expect(() => resolveIdentityToken(undefined, {})).toThrow(coded('KEYLESS_TOKEN'));
    expect(() => resolveIdentityToken(undefined, { SIGSTORE_ID_TOKEN: '' })).toThrow(coded('KEYLESS_TOKEN'));
    expect(() => resolveIdentityToken('not-a-token', {})).toThrow(coded('KEYLESS_TOKEN'));
    expect(() => resolveIdentityToken('/no/such/token/file', {})).toThrow(coded('KEYLESS_TOKEN'));
  });
});
