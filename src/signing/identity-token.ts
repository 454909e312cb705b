import { readFileSync } from 'node:fs';
import { SigningError } from './errors.ts';

/**
 * What a client reads from an identity token without verifying it (the CA verifies it): the claims of a compact
 * JWS, for the proof-of-possession name and the expiry check.
 */
function claimsOf(token: string): Record<string, unknown> {
  const parts = token.split('.');
  if (parts.length !== 3)
    throw new SigningError('KEYLESS_TOKEN', 'the identity token is not a compact JWS (three parts)');
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString('utf8'));
  } catch (e) {
    throw new SigningError('KEYLESS_TOKEN', 'the identity token payload is not JSON', { cause: e });
  }
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims))
    throw new SigningError('KEYLESS_TOKEN', 'the identity token payload is not a JSON object');
  return claims as Record<string, unknown>;
}

/**
 * The name the proof of possession signs: the email when the token has one, else `sub` (cosign's
 * oauthflow.SubjectFromUnverifiedToken; Fulcio checks the same name).
 */
export function tokenSubject(token: string): string {
  const c = claimsOf(token);
  const name = typeof c.email === 'string' && c.email ? c.email : c.sub;
  if (typeof name !== 'string' || !name)
    throw new SigningError('KEYLESS_TOKEN', 'the identity token has neither an email nor a sub claim');
  return name;
}

/** Margin for clock skew and the round trip to the CA: a token this close to `exp` counts as expired. */
export const TOKEN_EXPIRY_SKEW_MS = 30_000;

/**
 * An expired token is never sent (RFC 7519 §4.1.4 `exp`, seconds): a token without `exp` is left to the CA,
 * one that expires within the skew margin is refused with KEYLESS_TOKEN_EXPIRED.
 */
export function checkTokenFresh(token: string, nowMs: number, skewMs = TOKEN_EXPIRY_SKEW_MS): void {
  const exp = claimsOf(token).exp;
  if (exp === undefined) return;
  if (typeof exp !== 'number' || !Number.isFinite(exp))
    throw new SigningError('KEYLESS_TOKEN', 'the identity token has a non-numeric exp claim');
  if (exp * 1000 <= nowMs + skewMs)
    throw new SigningError(
      'KEYLESS_TOKEN_EXPIRED',
      `the identity token expired at ${new Date(exp * 1000).toISOString()} (or expires within ${skewMs / 1000} s); waiting for a fresh one`,
    );
}

/**
 * The token in a file, read afresh on every call, so a rotated projected service-account token (the kubelet
 * swaps the file) is the one used. Whitespace around it is dropped.
 */
export function readTokenFile(path: string, nowMs: number): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new SigningError(
      'KEYLESS_TOKEN',
      `cannot read the identity token file ${path}: ${(e as Error).message}`,
      {
        cause: e,
      },
    );
  }
  const token = text.trim();
  if (!token) throw new SigningError('KEYLESS_TOKEN', `the identity token file ${path} is empty`);
  checkTokenFresh(token, nowMs);
  return token;
}
